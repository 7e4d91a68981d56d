import { describe, expect, it } from 'vitest';
import { parseLocaleNumber } from '../../src/core/changeset/parse-number.js';
import { parseDateTime } from '../../src/core/changeset/parse-date.js';
import { suggest } from '../../src/core/changeset/suggest.js';
import { detectDelimiter } from '../../src/core/changeset/csv-layout.js';
import { normaliseChange } from '../../src/core/changeset/normalise-change.js';
import { createDuplicateCheck } from '../../src/core/changeset/duplicate-check.js';
import type { RawChange } from '../../src/core/changeset/raw-change.js';
import type { Diagnostic } from '../../src/core/diagnostics.js';
import { loadVocabulary } from '../../src/schema/changeset-vocabulary.js';
import { loadWritablePaths, readSpec } from '../../src/schema/specs.js';

describe('parseLocaleNumber', () => {
  it.each([
    ['12000', undefined, 12000],
    ['12000.50', undefined, 12000.5],
    ['12,000.50', undefined, 12000.5],
    ['50.000,50', undefined, 50000.5],
    ['50 000,50', undefined, 50000.5],
    ['50\u00A0000,50', undefined, 50000.5],
    ["12'000.50", undefined, 12000.5],
    ['1.234.567', undefined, 1234567],
    ['12,5', undefined, 12.5],
    ['0,123', undefined, 0.123],
    ['1.234', ',', 1234],
    ['1.234', '.', 1.234],
    ['1,234', ',', 1.234],
  ] as const)('%s (decimal %s) → %d', (text, decimal, value) => {
    const r = parseLocaleNumber(text, decimal);
    expect(r.ok && r.value).toBe(value);
  });

  it('reports the separator it inferred, and only when it inferred one', () => {
    expect(parseLocaleNumber('50.000,50', undefined)).toMatchObject({ ok: true, inferred: ',' });
    expect(parseLocaleNumber('12000', undefined)).not.toHaveProperty('inferred');
    expect(parseLocaleNumber('12,5', ',')).not.toHaveProperty('inferred');
  });

  it.each(['1.234', '12,345', '999.999'])('%s is ambiguous without a known separator', (text) => {
    expect(parseLocaleNumber(text, undefined)).toMatchObject({ ok: false, code: 'ambiguous-number' });
  });

  it.each(['12k', '1.23.4', '€ 5', '', '1,2,3.4,5', '--5', '1..2'])('%s is not a number', (text) => {
    expect(parseLocaleNumber(text, undefined).ok).toBe(false);
  });
});

describe('parseDateTime', () => {
  it.each([
    ['2026-03-31', undefined, '2026-03-31T00:00:00Z'],
    ['2026-03-31T17:30:00Z', undefined, '2026-03-31T17:30:00Z'],
    ['2026-03-31T17:30:00+02:00', undefined, '2026-03-31T15:30:00Z'],
    ['2026-03-31T17:30:00.250Z', undefined, '2026-03-31T17:30:00.250Z'],
    ['31-03-2026', 'DD-MM-YYYY', '2026-03-31T00:00:00Z'],
    ['3/4/2026', 'MM/DD/YYYY', '2026-03-04T00:00:00Z'],
    ['3/4/2026 14:05', 'DD/MM/YYYY', '2026-04-03T14:05:00Z'],
  ] as const)('%s (%s) → %s', (text, format, iso) => {
    const r = parseDateTime(text, format);
    expect(r.ok && r.value).toBe(iso);
  });

  it('infers the day/month order only from a value that can be read one way', () => {
    expect(parseDateTime('31/03/2026', undefined)).toMatchObject({ ok: true, inferredFormat: 'DD/MM/YYYY' });
    expect(parseDateTime('03/31/2026', undefined)).toMatchObject({ ok: true, inferredFormat: 'MM/DD/YYYY' });
    expect(parseDateTime('03/04/2026', undefined)).toMatchObject({ ok: false, code: 'ambiguous-date' });
    // Neither order makes 13/14 a date: no --date-format would help, so none is suggested.
    const neither = parseDateTime('13/14/2026', undefined);
    expect(neither).toMatchObject({ ok: false, code: 'bad-date' });
    expect(neither.ok ? '' : neither.hint).toMatch(/^write a real calendar date/);
  });

  it.each(['2026-02-30', '2026-13-01', 'tomorrow', '2026-03-31T25:00:00Z'])('%s is refused', (text) => {
    expect(parseDateTime(text, undefined).ok).toBe(false);
  });
});

describe('suggest', () => {
  it('finds typos and shortened names, and nothing for unrelated words', () => {
    expect(suggest('dealvalu', ['dealValue', 'notes'])).toBe('dealValue');
    expect(suggest('closingDate', ['closingDateTime', 'notes'])).toBe('closingDateTime');
    expect(suggest('banana', ['dealValue', 'notes'])).toBeUndefined();
  });
});

describe('detectDelimiter', () => {
  it('counts delimiters outside quotes on the header line only', () => {
    expect(detectDelimiter('id;"a,b,c";notes\n1,2,3,4,5', 'f').delimiter).toBe(';');
    expect(detectDelimiter('id\tnotes\n', 'f').delimiter).toBe('\t');
    expect(detectDelimiter('id,notes;x', 'f').diagnostic.severity).toBe('error');
  });
});

const G = '49d90c72-3326-4f61-aacc-2cb57970448c';
const at = (line: number) => ({ file: 'f.yaml', line, column: 1 });
function run(raw: Partial<RawChange>) {
  const diagnostics: Diagnostic[] = [];
  const result = normaliseChange({ at: at(1), origin: 'yaml', set: [], addTeamMembers: [], ...raw }, { vocab: loadVocabulary(), dialect: { file: 'f.yaml' }, report: (d) => diagnostics.push(d) });
  return { ...result, diagnostics, codes: diagnostics.filter((d) => d.severity === 'error').map((d) => d.code) };
}
const field = (key: string, value: unknown, line = 2) => ({ key, keyAt: at(line), value: { value, at: at(line) } });

describe('normaliseChange', () => {
  it('normalises values to the API spelling', () => {
    const r = run({
      id: { value: G, at: at(1) },
      set: [field('DEALVALUE', '12.500,50'), field('currency', 'eur'), field('qualification', 'sales qualified'), field('closingDateTime', '2026-06-30'), field('notes', '#clear')],
    });
    expect(r.codes).toEqual([]);
    expect(r.change?.set).toEqual({ dealValue: 12500.5, currency: 'EUR', qualification: 'SalesQualified', closingDateTime: '2026-06-30T00:00:00Z', notes: null });
  });

  it('expands close: and reason: through specs/transitions.json', () => {
    const r = run({ id: { value: G, at: at(1) }, close: { value: 'Lost', at: at(2) }, reason: { value: 'No budget', at: at(3) } });
    expect(r.change?.set).toEqual({ status: 'Closed', substatus: 'Lost', statusReason: 'No budget' });
  });

  it('expands accept: true', () => {
    expect(run({ externalReferenceId: { value: 'CRM-1', at: at(1) }, accept: { value: true, at: at(2) } }).change).toMatchObject({
      selector: { kind: 'externalReferenceId', externalReferenceId: 'CRM-1' },
      set: { status: 'Active', substatus: 'Accepted' },
    });
  });

  it('refuses Expired, a pair that cannot exist, and a Lost close without reason', () => {
    expect(run({ id: { value: G, at: at(1) }, set: [field('status', 'Closed'), field('substatus', 'Expired')] }).codes).toContain('system-only');
    expect(run({ id: { value: G, at: at(1) }, set: [field('status', 'New'), field('substatus', 'Won')] }).codes).toContain('invalid-pair');
    expect(run({ id: { value: G, at: at(1) }, close: { value: 'declined', at: at(2) } }).codes).toContain('reason-required');
    expect(run({ id: { value: G, at: at(1) }, close: { value: 'won', at: at(2) } }).codes).toEqual([]);
  });

  it('leaves status rules of an eTag-pinned (exported) row to the planner, but still checks the pair', () => {
    const pinned = { id: { value: G, at: at(1) }, eTag: { value: '"abc"', at: at(1) } };
    expect(run({ ...pinned, set: [field('status', 'Closed'), field('substatus', 'Expired')] }).codes).toEqual([]);
    expect(run({ ...pinned, set: [field('status', 'Closed'), field('substatus', 'Accepted')] }).codes).toEqual(['invalid-pair']);
    expect(run({ ...pinned, set: [field('notes', 'x')] }).change?.pinnedETag).toBe('"abc"');
  });

  it('normalises a where selector, including enum and date comparisons', () => {
    const r = run({
      where: {
        at: at(1),
        tests: [
          { key: 'status', keyAt: at(2), value: { value: 'active', at: at(2) } },
          { key: 'closingDateTime', keyAt: at(3), value: { value: {}, at: at(3) }, comparators: [field('lt', '2026-01-01', 3)] },
          { key: 'customerProfile/address/country', keyAt: at(4), value: { value: {}, at: at(4) }, comparators: [field('in', ['NL', 'BE'], 4)] },
        ],
      },
      allowNone: { value: true, at: at(5) },
      close: { value: 'won', at: at(6) },
    });
    expect(r.codes).toEqual([]);
    expect(r.change?.selector).toEqual({
      kind: 'where',
      tests: [
        { field: 'status', op: 'eq', value: 'Active' },
        { field: 'closingDateTime', op: 'lt', value: '2026-01-01T00:00:00Z' },
        { field: 'customerProfile/address/country', op: 'in', value: ['NL', 'BE'] },
      ],
    });
    expect(r.change?.allowNone).toBe(true);
  });

  it('suggests the field a typo meant', () => {
    const r = run({ id: { value: G, at: at(1) }, set: [field('dealvalu', 5)] });
    expect(r.diagnostics[0]?.hint).toMatch(/did you mean "dealValue"/);
  });
});

describe('duplicate check', () => {
  it('names both places, matching GUIDs case-insensitively', () => {
    const check = createDuplicateCheck();
    const out: Diagnostic[] = [];
    expect(check.check({ kind: 'id', id: G }, { file: 'a.csv', row: 7, columnName: 'id' }, (d) => out.push(d))).toBeUndefined();
    expect(check.check({ kind: 'id', id: G.toUpperCase() }, { file: 'b.yaml', line: 3, column: 5 }, (d) => out.push(d))).toBeDefined();
    expect(out[0]?.message).toContain('a.csv: row 7, column "id"');
    expect(out[0]?.at).toEqual({ file: 'b.yaml', line: 3, column: 5 });
    expect(check.check({ kind: 'where', tests: [] }, { file: 'c.yaml', line: 1, column: 1 }, (d) => out.push(d))).toBeUndefined();
  });
});

describe('specs/changeset.schema.json documents the vocabulary of specs/writable-paths.json', () => {
  it('has every settable field, with its API path in the description', () => {
    const schema = readSpec<{ $defs: { SetFields: { properties: Record<string, { description: string }> } } }>('changeset.schema.json');
    const documented = schema.$defs.SetFields.properties;
    const writable = loadWritablePaths().writable.filter((w) => w.field !== 'team' && w.field !== 'addTeamMember');
    expect(Object.keys(documented).sort()).toEqual(writable.map((w) => w.field).sort());
    for (const w of writable) expect(documented[w.field]?.description).toContain(`API path ${w.path}`);
  });
});
