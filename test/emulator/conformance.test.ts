import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../../src/emulator/index.js';
import { applyJsonPatch } from '../../src/emulator/apply-patch.js';
import { ApiFault } from '../../src/emulator/api-error.js';
import { call, makeReferral, referralsUrl } from './helpers.js';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'api-examples');
const example = (name: string): string => readFileSync(join(fixtures, name), 'utf8');

const ID = 'dddddddd-0000-4000-8000-000000000001';
let emu: EmulatorHandle;
let url: string;

beforeAll(async () => {
  emu = await startEmulator({ referrals: [makeReferral({ id: ID })] });
  url = `${referralsUrl(emu.url)}/${ID}`;
});
afterAll(() => emu.close());
beforeEach(() => emu.reset());

/** Sends a documented body byte for byte, with Content-Type application/json as the docs do. */
const patchVerbatim = (file: string) =>
  call('PATCH', url, { body: example(file), headers: { 'content-type': 'application/json', prefer: 'return=representation' } });

describe('documented PATCH bodies are accepted verbatim and do what the docs say', () => {
  it('patch-deal-value-and-notes.json: "10000" stored as the number 10000, notes replaced', async () => {
    const r = await patchVerbatim('patch-deal-value-and-notes.json');
    expect(r.status).toBe(200);
    expect(r.json.details.dealValue).toBe(10000);
    expect(r.json.details.notes).toBe('Lorem ipsum dolor sit amet.');
  });

  it('patch-add-team-member.json: Jane Doe appended to the team', async () => {
    const r = await patchVerbatim('patch-add-team-member.json');
    expect(r.status).toBe(200);
    expect(r.json.team).toHaveLength(2);
    expect(r.json.team[1]).toEqual({ email: 'jane.doe@contoso.com', firstName: 'Jane', lastName: 'Doe', phoneNumber: '0000000001' });
  });

  it('patch-deal-value-and-team.json: both changes in one write', async () => {
    const r = await patchVerbatim('patch-deal-value-and-team.json');
    expect(r.status).toBe(200);
    expect(r.json.details.dealValue).toBe(10000);
    expect(r.json.team.at(-1).email).toBe('jane.doe@contoso.com');
    expect(emu.stats().commits.total).toBe(1);
  });

  it('patch-close-won.json: status and substatus in one patch close the referral as Won', async () => {
    const r = await patchVerbatim('patch-close-won.json');
    expect(r.status).toBe(200);
    expect([r.json.status, r.json.substatus]).toEqual(['Closed', 'Won']);
  });

  it('patch-response-204.txt: without Prefer, 204 and Content-Length: 0', async () => {
    const documented = example('patch-response-204.txt');
    expect(documented).toMatch(/^HTTP\/1\.1 204 No Content/);
    expect(documented).toMatch(/Content-Length: 0/);
    const r = await call('PATCH', url, { body: example('patch-deal-value-and-notes.json') });
    expect(r.status).toBe(204);
    expect(r.headers['content-length']).toBe('0');
    expect(r.text).toBe('');
  });
});

interface SuiteCase {
  comment?: string;
  doc?: unknown;
  patch?: { op: string }[];
  expected?: unknown;
  error?: string;
  disabled?: boolean;
}

const require = createRequire(import.meta.url);
const suite: SuiteCase[] = [
  ...(require('json-patch-test-suite/tests.json') as SuiteCase[]),
  ...(require('json-patch-test-suite/spec_tests.json') as SuiteCase[]),
].filter((c) => c.patch !== undefined && c.disabled !== true);
const onlyAddReplace = (c: SuiteCase) => (c.patch ?? []).every((o) => o.op === 'add' || o.op === 'replace');
const label = (c: SuiteCase, i: number) => `${i}: ${c.comment ?? JSON.stringify(c.patch)}`;

describe('RFC 6902 suite (json-patch-test-suite) through the emulator\'s patch function', () => {
  const accepted = suite.filter(onlyAddReplace);
  const refused = suite.filter((c) => !onlyAddReplace(c));

  it('has cases of both kinds', () => {
    expect(accepted.length).toBeGreaterThan(40);
    expect(refused.length).toBeGreaterThan(30);
  });

  it.each(accepted.map((c, i) => [label(c, i), c] as const))('add/replace case %s', (_name, c) => {
    if (c.error !== undefined) {
      expect(() => applyJsonPatch(c.doc, c.patch)).toThrow(ApiFault);
      return;
    }
    const before = JSON.stringify(c.doc);
    expect(applyJsonPatch(c.doc, c.patch)).toEqual(c.expected);
    expect(JSON.stringify(c.doc)).toBe(before); // never mutates its input
  });

  it.each(refused.map((c, i) => [label(c, i), c] as const))('other-op case %s is refused with 400 invalidRequest', (_name, c) => {
    let fault: unknown;
    try {
      applyJsonPatch(c.doc, c.patch);
    } catch (e) {
      fault = e;
    }
    expect(fault).toBeInstanceOf(ApiFault);
    expect((fault as ApiFault).status).toBe(400);
    expect((fault as ApiFault).code).toBe('invalidRequest');
    expect((fault as ApiFault).message).toMatch(/is not supported; the referrals API accepts only replace and add/);
  });

  it('refuses a non-add/replace op over HTTP the same way', async () => {
    const c = refused.find((x) => x.patch?.[0]?.op === 'remove');
    expect(c).toBeDefined();
    const r = await call('PATCH', url, { body: [{ op: 'remove', path: '/details/notes' }] });
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('invalidRequest');
    expect(r.json.error.message).toMatch(/is not supported; the referrals API accepts only replace and add/);
  });
});
