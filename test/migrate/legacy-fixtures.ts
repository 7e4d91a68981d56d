import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Referral } from '../../src/core/referral.js';
import { parseTolerantJson } from '../../src/core/tolerant-json.js';
import { repoRoot } from '../helpers/run-cli.js';

/** Fixtures copied byte for byte from the API docs (tests never read /work/shared). */
export const legacyDir = join(repoRoot, 'test', 'fixtures', 'legacy');
export const legacyPutBodyFile = join(legacyDir, 'legacy-put-request-body.json');
export const legacyPutResponseFile = join(legacyDir, 'legacy-put-response-body.json');

/** The documented PUT body as the tolerant parser reads it (it has a trailing comma). */
export function documentedPutBody(): Referral {
  const parsed = parseTolerantJson(readFileSync(legacyPutBodyFile, 'utf8'), legacyPutBodyFile);
  return parsed.values[0]?.value as unknown as Referral;
}

/** The documented PUT response: a complete referral with server fields and links. */
export function documentedReferral(): Referral {
  return JSON.parse(readFileSync(legacyPutResponseFile, 'utf8')) as Referral;
}

/**
 * A stored referral with the documented body's id, as it was before the legacy
 * PUT: Active/Accepted (so the body's Closed/Won is an allowed move), other deal
 * values, an empty team, a name (the body leaves `name` out), and the body's eTag.
 */
export function seedBeforeDocumentedPut(): Referral {
  const body = documentedPutBody();
  const doc = structuredClone(documentedReferral());
  doc.id = body.id;
  doc.eTag = body.eTag as string;
  doc.name = 'Contoso supply chain (before)';
  doc.status = 'Active';
  doc.substatus = 'Accepted';
  doc.statusReason = null;
  doc.details = { ...(doc.details ?? {}), dealValue: 40000, notes: 'First call done', closingDateTime: '2018-12-31T00:00:00Z' };
  doc.team = [];
  return doc;
}

/** A plain Active referral for proxy and merge tests. */
export function activeReferral(id: string, overrides: Partial<Referral> = {}): Referral {
  const doc = structuredClone(documentedReferral());
  delete doc['links'];
  return {
    ...doc,
    id,
    eTag: `"${id}-v1"`,
    name: `Deal ${id.slice(0, 8)}`,
    status: 'Active',
    substatus: 'Accepted',
    statusReason: null,
    externalReferenceId: null,
    details: { ...(doc.details ?? {}), dealValue: 1000, currency: 'USD', notes: 'original notes' },
    team: [{ email: 'owner@fabrikam.example', firstName: 'Olga', lastName: 'Owner' }],
    ...overrides,
  };
}
