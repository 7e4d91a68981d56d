import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { normaliseChange } from '../../src/core/changeset/normalise-change.js';
import { parseLocaleNumber } from '../../src/core/changeset/parse-number.js';
import { parseDateTime } from '../../src/core/changeset/parse-date.js';
import type { RawChange, RawValue } from '../../src/core/changeset/raw-change.js';
import { loadVocabulary } from '../../src/schema/changeset-vocabulary.js';
import { validateChangeSets } from '../../src/engine/validate.js';
import { tempTree } from '../helpers/temp-dir.js';

const vocab = loadVocabulary();
const names = [...vocab.fields.map((f) => f.field), 'eq', 'in', '__proto__', 'constructor'];
const at = { file: 'p.yaml', line: 1, column: 1 };
const rawValue: fc.Arbitrary<RawValue> = fc.record({ value: fc.oneof(fc.anything(), fc.string(), fc.constantFrom('#CLEAR', '12.500,50', '03/04/2026', 'closed', 'EUR')), at: fc.constant(at) });
const rawField = fc.record({ key: fc.oneof(fc.constantFrom(...names), fc.string()), keyAt: fc.constant(at), value: rawValue });

describe('normalisation never throws', () => {
  test.prop([
    fc.record(
      {
        id: rawValue,
        externalReferenceId: rawValue,
        eTag: rawValue,
        allowNone: rawValue,
        close: rawValue,
        accept: rawValue,
        reason: rawValue,
        where: fc.record({ at: fc.constant(at), tests: fc.array(fc.record({ key: fc.oneof(fc.constantFrom(...names), fc.string()), keyAt: fc.constant(at), value: rawValue, comparators: fc.option(fc.array(rawField), { nil: undefined }) }).map((t) => (t.comparators === undefined ? { key: t.key, keyAt: t.keyAt, value: t.value } : { ...t, comparators: t.comparators }))) }),
        set: fc.array(rawField),
        addTeamMembers: fc.array(fc.record({ at: fc.constant(at), fields: fc.array(rawField) })),
      },
      { requiredKeys: ['set', 'addTeamMembers'] },
    ),
    fc.constantFrom(undefined, '.', ',' as const),
  ])('on arbitrary raw changes', (raw, decimal) => {
    const dialect = decimal === undefined ? { file: 'p.yaml' } : { file: 'p.yaml', decimal };
    const r = normaliseChange({ ...(raw as Omit<RawChange, 'at' | 'origin'>), at, origin: 'yaml' }, { vocab, dialect, report: () => {} });
    expect(r.locations).toBeInstanceOf(Map);
  });

  test.prop([fc.string({ unit: 'grapheme' }), fc.constantFrom(undefined, '.', ',' as const)])('parseLocaleNumber on arbitrary text', (s, d) => {
    const r = parseLocaleNumber(s, d);
    if (r.ok) expect(Number.isFinite(r.value)).toBe(true);
  });

  test.prop([fc.string({ unit: 'grapheme' }), fc.constantFrom(undefined, 'DD-MM-YYYY', 'MM/DD/YYYY HH:mm')])('parseDateTime on arbitrary text', (s, f) => {
    const r = parseDateTime(s, f);
    if (r.ok) expect(r.value).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/);
  });
});

const pairs = [
  { status: 'New', substatus: 'Received' },
  { status: 'Active', substatus: 'Accepted' },
  { status: 'Closed', substatus: 'Won' },
  { status: 'Closed', substatus: 'Lost' },
];
const changeArb = fc.record({
  id: fc.uuid(),
  dealValue: fc.oneof(fc.integer({ min: 0, max: 10_000_000 }), fc.integer({ min: 0, max: 100_000_000 }).map((n) => n / 100)),
  currency: fc.constantFrom('EUR', 'usd', 'Gbp', 'SEK'),
  notes: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 80 }).filter((s) => s.trim() !== '' && !s.includes('\u0000') && !s.startsWith('\uFEFF')),
  pair: fc.constantFrom(...pairs),
  reason: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 40 }).filter((s) => s.trim() !== '' && s.trim().toUpperCase() !== '#CLEAR'),
  closing: fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
});

describe('CSV and YAML forms of the same change normalise identically', () => {
  test.prop([fc.array(changeArb, { minLength: 1, maxLength: 5 }).filter((cs) => new Set(cs.map((c) => c.id)).size === cs.length)], { numRuns: 25 })('for generated changes', async (changes) => {
    const dir = tempTree();
    const q = (s: string) => `"${s.replace(/"/g, '""')}"`;
    const csv = ['id,dealValue,currency,notes,status,substatus,statusReason,closingDateTime']
      .concat(changes.map((c) => [c.id, String(c.dealValue), c.currency, c.notes, c.pair.status, c.pair.substatus, c.reason, c.closing].map(q).join(',')))
      .join('\r\n');
    const yaml =
      'changes:\n' +
      changes
        .map((c) => `  - id: ${JSON.stringify(c.id)}\n    set: { dealValue: ${c.dealValue}, currency: ${JSON.stringify(c.currency)}, notes: ${JSON.stringify(c.notes)}, status: ${c.pair.status}, substatus: ${c.pair.substatus}, statusReason: ${JSON.stringify(c.reason)}, closingDateTime: ${c.closing} }\n`)
        .join('');
    writeFileSync(join(dir, 'c.csv'), csv);
    writeFileSync(join(dir, 'c.yaml'), yaml);
    const fromCsv = await validateChangeSets(['c.csv'], { cwd: dir, locale: 'en-US' });
    const fromYaml = await validateChangeSets(['c.yaml'], { cwd: dir });
    const strip = (r: typeof fromCsv) => r.changeSet?.changes.map(({ source: _, ...rest }) => rest);
    expect(fromCsv.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(fromYaml.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(strip(fromCsv)).toEqual(strip(fromYaml));
    expect(strip(fromCsv)).toHaveLength(changes.length);
  });
});
