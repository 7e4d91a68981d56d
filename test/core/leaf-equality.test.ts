import { describe, expect, it } from 'vitest';
import { leafEqual, opsForLeaves } from '../../src/core/patch.js';
import { escapeLeadingApostrophe, parseHeader, rowToRawChange, unescapeFormula } from '../../src/core/changeset/csv-layout.js';
import { loadVocabulary } from '../../src/schema/changeset-vocabulary.js';

describe('leafEqual', () => {
  it('treats two spellings of one instant as equal', () => {
    expect(leafEqual('2026-03-31T00:00:00Z', '2026-03-31T00:00:00.0000000Z')).toBe(true);
    expect(leafEqual('2026-03-31T02:00:00+02:00', '2026-03-31T00:00:00Z')).toBe(true);
  });

  it('keeps different instants and non-dates apart', () => {
    expect(leafEqual('2026-03-31T00:00:00Z', '2026-03-31T00:00:01Z')).toBe(false);
    expect(leafEqual('2026-03-31', '2026-03-31T00:00:00Z')).toBe(false);
    expect(leafEqual(1, '1')).toBe(false);
  });

  it('makes no op for a date-time that only changes spelling', () => {
    const doc = { id: 'r', details: { closingDateTime: '2026-03-31T00:00:00.0000000Z' } };
    expect(opsForLeaves(doc, [{ path: '/details/closingDateTime', value: '2026-03-31T00:00:00Z' }])).toEqual([]);
    expect(opsForLeaves(doc, [{ path: '/details/closingDateTime', value: '2026-04-01T00:00:00Z' }])).toEqual([
      { op: 'replace', path: '/details/closingDateTime', value: '2026-04-01T00:00:00Z' },
    ]);
  });
});

describe('unescapeFormula', () => {
  it("undoes export's leading apostrophe before a formula character only", () => {
    expect(unescapeFormula("'=SUM(A1)")).toBe('=SUM(A1)');
    expect(unescapeFormula("'+31 20 123")).toBe('+31 20 123');
    expect(unescapeFormula("'-5")).toBe('-5');
    expect(unescapeFormula("'@home")).toBe('@home');
    expect(unescapeFormula("'quoted'")).toBe("'quoted'");
    expect(unescapeFormula('plain')).toBe('plain');
  });

  it('round-trips a text that itself starts like an escaped formula', () => {
    for (const text of ["'=x", "''-5", "'@", "'quoted'", "'", '=x']) {
      const exported = escapeLeadingApostrophe(text);
      expect(unescapeFormula(/^[-=+@]/.test(exported) ? `'${exported}` : exported)).toBe(text);
    }
    expect(escapeLeadingApostrophe("'quoted'")).toBe("'quoted'");
  });
});

describe('an escaped externalReferenceId cell', () => {
  const layout = parseHeader(['id', 'externalReferenceId', 'notes'], 'r.csv', loadVocabulary(), () => undefined);
  it('is unescaped as a value to set (with an id) and as a selector (without one)', () => {
    const set = rowToRawChange(['r1', "'-5", ''], 2, layout, () => undefined);
    expect(set?.set.map((f) => [f.key, f.value.value])).toEqual([['externalReferenceId', '-5']]);
    const select = rowToRawChange(['', "'=CRM-7", 'x'], 3, layout, () => undefined);
    expect(select?.externalReferenceId?.value).toBe('=CRM-7');
  });
});

describe('sameOrBothEmpty', () => {
  it('treats absent and null as the same, and instants by their moment', async () => {
    const { sameOrBothEmpty } = await import('../../src/core/patch.js');
    expect(sameOrBothEmpty(undefined, null)).toBe(true);
    expect(sameOrBothEmpty('2026-01-01T00:00:00Z', '2026-01-01T00:00:00.0000000Z')).toBe(true);
    expect(sameOrBothEmpty('2026-01-01T00:00:00Z', null)).toBe(false);
  });
});
