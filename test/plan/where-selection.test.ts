import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Change } from '../../src/core/changeset.js';
import type { Referral } from '../../src/core/referral.js';
import { generateReferrals, startEmulator, type EmulatorHandle } from '../../src/emulator/index.js';
import { resolveSelectors } from '../../src/engine/resolve-selectors.js';
import { normaliseWhere, type RawWhere } from '../../src/engine/where-selector.js';
import { emulatorClient } from './plan-helpers.js';

// A `where` selects exactly the referrals that match, whichever way planning reads them:
// pushed down into `$filter` (one where: targeted) or evaluated by refplan on every page
// (next to an unfilterable where: list-all). Both are compared with a brute-force
// evaluation over every referral the emulator holds (dates compared as instants, as the
// API does; country codes case-insensitively, as the API's `$filter` does).
const data = generateReferrals(300, 17);
Object.assign(data[3] as Referral, { name: "O'Brien" });
Object.assign(data[4] as Referral, { externalReferenceId: "O'Brien-7" });
let emu: EmulatorHandle;
let client: ReturnType<typeof emulatorClient>;
beforeAll(async () => {
  emu = await startEmulator({ referrals: data });
  client = emulatorClient(emu.url);
});
afterAll(async () => {
  await client?.close();
  await emu?.close();
});

const at = (r: Referral, path: string): unknown => path.split('/').reduce<unknown>((n, k) => (n !== null && typeof n === 'object' ? (n as Record<string, unknown>)[k] : undefined), r);
const instant = (v: unknown) => (typeof v === 'string' ? Date.parse(v) : Number.NaN);
const sample = data.find((r) => r.status === 'Active' && typeof r.externalReferenceId === 'string') as Referral;
const closing = at(sample, 'details/closingDateTime') as string;
const updated = sample.updatedDateTime as string;
const country = at(sample, 'customerProfile/address/country') as string;

const cases: { where: RawWhere; truth: (r: Referral) => boolean }[] = [
  { where: { status: 'Active' }, truth: (r) => r.status === 'Active' },
  { where: { substatus: { in: ['Won', 'Lost'] } }, truth: (r) => r.substatus === 'Won' || r.substatus === 'Lost' },
  { where: { status: { ne: 'Closed' }, qualification: { ne: 'Direct' } }, truth: (r) => r.status !== 'Closed' && r.qualification !== 'Direct' },
  // A day as a user writes it; the API stores the same instant with milliseconds.
  { where: { closingDateTime: closing.slice(0, 10) }, truth: (r) => instant(at(r, 'details/closingDateTime')) === instant(closing) },
  { where: { closingDateTime: { ne: closing.slice(0, 10) } }, truth: (r) => instant(at(r, 'details/closingDateTime')) !== instant(closing) },
  { where: { closingDateTime: { in: [closing.slice(0, 10)] } }, truth: (r) => instant(at(r, 'details/closingDateTime')) === instant(closing) },
  { where: { updatedDateTime: updated.replace('.000Z', 'Z') }, truth: (r) => instant(r.updatedDateTime) === instant(updated) },
  { where: { updatedDateTime: { ne: updated } }, truth: (r) => instant(r.updatedDateTime) !== instant(updated) },
  { where: { updatedDateTime: { ge: updated } }, truth: (r) => instant(r.updatedDateTime) >= instant(updated) },
  { where: { 'customerProfile/address/country': country.toLowerCase() }, truth: (r) => at(r, 'customerProfile/address/country') === country },
  { where: { 'customerProfile.address.country': { in: [country.toLowerCase(), 'XX'] } }, truth: (r) => at(r, 'customerProfile/address/country') === country },
  { where: { externalReferenceId: sample.externalReferenceId as string }, truth: (r) => r.externalReferenceId === sample.externalReferenceId },
  { where: { name: "O'Brien" }, truth: (r) => r.name === "O'Brien" },
  { where: { externalReferenceId: { in: ["O'Brien-7", 'none'] } }, truth: (r) => r.externalReferenceId === "O'Brien-7" },
];

function whereChange(where: RawWhere, line: number): Change {
  return { source: { file: 'w.yaml', line, column: 1 }, selector: { kind: 'where', tests: normaliseWhere(where).tests }, set: {}, addTeamMembers: [] };
}

describe('where selectors select exactly the matching referrals', () => {
  it.each(cases.map((c) => [JSON.stringify(c.where), c] as const))('%s', async (_name, { where, truth }) => {
    const expected = data.filter(truth).map((r) => r.id).sort();
    const alone = await resolveSelectors(client, [whereChange(where, 1)]);
    // An unfilterable where next to it makes planning list every referral and judge both locally.
    const unfilterable = whereChange({ dealValue: { ge: '0' } }, 2);
    const listed = await resolveSelectors(client, [whereChange(where, 1), unfilterable]);
    expect(listed.mode).toBe('list-all');
    expect([...(listed.matches[0] ?? [])].sort()).toEqual(expected);
    expect([...(alone.matches[0] ?? [])].sort()).toEqual(expected);
  });
});
