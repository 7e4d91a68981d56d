import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseLocaleNumber } from '../../src/core/changeset/parse-number.js';
import { numberCellText } from '../../src/engine/export-columns.js';
import { join } from 'node:path';
import type { Referral } from '../../src/core/referral.js';
import { generateReferrals, startEmulator, type EmulatorHandle } from '../../src/emulator/index.js';
import { exportReferrals } from '../../src/engine/export.js';
import { createPlan } from '../../src/engine/plan.js';
import { tempTree } from '../helpers/temp-dir.js';
import { emulatorClient } from './plan-helpers.js';

// An unedited export plans to zero changes with zero reads, whatever the exported
// values hold and whichever delimiter (or YAML) it was written with.
const [template] = generateReferrals(1, 23) as [Referral];
let next = 0;
function variant(edit: (r: Referral & { details: Record<string, unknown> }) => void): Referral {
  const r = structuredClone(template) as Referral & { details: Record<string, unknown> };
  next += 1;
  r.id = `7e57da7a-0000-4000-8000-${String(next).padStart(12, '0')}`;
  r.status = 'Active';
  r.substatus = 'Accepted';
  r.statusReason = null;
  r.externalReferenceId = `CRM-${next}`;
  edit(r);
  return r;
}

const groups = {
  formulaExternalIds: ['-5', '=HYPERLINK("x")', '+CRM-1', '@crm'].map((x) => variant((r) => (r.externalReferenceId = x))),
  decimalDealValues: [12.345, 1000.125, 0.001, 1234.5, 0, 1e21, 1e-7, 123456789012345680].map((v) => variant((r) => (r.details.dealValue = v))),
  apostropheText: ["'=not a formula", "'-5 apostrophe", "'@handle"].map((v) => variant((r) => (r.details.notes = v))),
};
let emu: EmulatorHandle;
let client: ReturnType<typeof emulatorClient>;
beforeAll(async () => {
  emu = await startEmulator({ referrals: Object.values(groups).flat() });
  client = emulatorClient(emu.url);
});
afterAll(async () => {
  await client?.close();
  await emu?.close();
});

const outputs: readonly (readonly [string, string | undefined, string?])[] = [
  ['r.csv', ','],
  ['r.csv', ';'],
  ['r.csv', '\t'],
  ['r.csv', ';', 'nl-NL'],
  ['r.yaml', undefined],
];

async function roundTrip(referrals: Referral[]) {
  for (const [name, delimiter, locale] of outputs) {
    const output = join(tempTree(), name);
    await exportReferrals({
      client,
      baseUrl: emu.url,
      output,
      where: [{ field: 'id', op: 'in', value: referrals.map((r) => r.id) }],
      ...(delimiter === undefined ? {} : { delimiter }),
      ...(locale === undefined ? {} : { locale }),
    });
    const planned = await createPlan({ files: [output], client, baseUrl: emu.url, ...(locale === undefined ? {} : { csv: { locale } }) });
    const label = `${name} ${JSON.stringify(delimiter ?? 'yaml')} ${locale ?? ''}`;
    expect(planned.diagnostics.filter((d) => d.severity !== 'info').map((d) => d.message), label).toEqual([]);
    expect(planned.plan?.entries.map((e) => e.ops), label).toEqual([]);
    expect(planned.readRequests, label).toBe(0);
  }
}

describe('an unedited export plans to zero changes with zero reads', () => {
  it('externalReferenceId cells that export escaped as formulas', async () => {
    await roundTrip(groups.formulaExternalIds);
  });

  it('deal values with three decimals (BHD, KWD), zero, and ones JavaScript prints with an exponent', async () => {
    await roundTrip(groups.decimalDealValues);
  });

  it("text that itself starts with an apostrophe before a formula character", async () => {
    await roundTrip(groups.apostropheText);
  });
});

describe('export --locale', () => {
  it('writes decimal commas for a decimal-comma locale and refuses them with the comma delimiter', async () => {
    const output = join(tempTree(), 'nl.csv');
    const ids = groups.decimalDealValues.map((r) => r.id);
    await exportReferrals({ client, baseUrl: emu.url, output, delimiter: ';', locale: 'nl-NL', where: [{ field: 'id', op: 'in', value: ids }] });
    const text = (await import('node:fs')).readFileSync(output, 'utf8');
    expect(text).toContain(';1234,5;');
    expect(text).toContain(';12,3450;');
    await expect(exportReferrals({ client, baseUrl: emu.url, output, locale: 'de-DE' })).rejects.toThrow(/cannot share the "," delimiter/);
  });
});

describe('numberCellText', () => {
  it('reads back as the same number, one way only, in a file whose decimal separator is not known yet', () => {
    fc.assert(
      fc.property(fc.oneof(fc.double({ min: 0, noNaN: true, noDefaultInfinity: true }), fc.integer({ min: 0, max: 1e9 }).map((n) => n / 1000)), (value) => {
        const read = parseLocaleNumber(numberCellText(value), undefined);
        expect(read).toMatchObject({ ok: true, value });
      }),
      { numRuns: 2000 },
    );
  });
});
