import { describe, expect, it } from 'vitest';
import {
  MAX_ENCODED_FILTER,
  buildKeyFilters,
  chooseReadPlan,
  decideAfterProbe,
  encodedLength,
  odataString,
} from '../../src/engine/read-strategy.js';
import { parseWhereFlags } from '../../src/cli/where-flag.js';

const guid = (i: number) => `${i.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`;

describe('batched key filters', () => {
  it('keeps every filter under the URL budget and loses no key', () => {
    const keys = Array.from({ length: 2000 }, (_, i) => guid(i));
    const batches = buildKeyFilters('id', keys);
    for (const b of batches) expect(encodedLength(b.filter)).toBeLessThanOrEqual(MAX_ENCODED_FILTER);
    expect(batches.flatMap((b) => b.keys)).toEqual(keys);
    // 30 GUIDs fit in 1,800 encoded characters: 2,000 ids take 67 requests.
    expect(batches.length).toBe(Math.ceil(2000 / 30));
    expect(batches[0]?.filter).toMatch(/^id eq '[^']+' or id eq '/);
  });

  it('doubles single quotes in OData string literals', () => {
    expect(odataString("O'Brien")).toBe("'O''Brien'");
    expect(buildKeyFilters('externalReferenceId', ["a'b"])[0]?.filter).toBe("externalReferenceId eq 'a''b'");
  });
});

describe('read plan', () => {
  const needs = { ids: 0, idBatches: 0, externalIdBatches: 0, filteredWheres: 0, unfilterableWheres: 0 };
  it('reads nothing when nothing is selected, GETs a single id, lists everything for an unfilterable where', () => {
    expect(chooseReadPlan(needs).kind).toBe('nothing');
    expect(chooseReadPlan({ ...needs, ids: 1, idBatches: 1 }).kind).toBe('get-one');
    expect(chooseReadPlan({ ...needs, ids: 20, idBatches: 1 }).kind).toBe('targeted');
    expect(chooseReadPlan({ ...needs, ids: 5, idBatches: 1, unfilterableWheres: 1 }).kind).toBe('list-all');
    expect(chooseReadPlan({ ...needs, ids: 2000, idBatches: 67 }).kind).toBe('probe');
  });

  it('lists everything after the probe only when the remaining pages are cheaper', () => {
    expect(decideAfterProbe(20_000, { ...needs, ids: 2000, idBatches: 67 })).toBe('targeted');
    expect(decideAfterProbe(20_000, { ...needs, ids: 20_000, idBatches: 670 })).toBe('list-all');
    expect(decideAfterProbe(300, { ...needs, ids: 100, idBatches: 4 })).toBe('list-all');
  });
});

describe('--where compact form', () => {
  it('gives the YAML-shaped selector', () => {
    expect(parseWhereFlags(['status=Active', 'closingDateTime<2026-01-01', 'closingDateTime>=2025-01-01', 'substatus=Pending|Received'])).toEqual({
      status: 'Active',
      closingDateTime: { lt: '2026-01-01', ge: '2025-01-01' },
      substatus: { in: ['Pending', 'Received'] },
    });
    expect(parseWhereFlags(['dealValue!=0'])).toEqual({ dealValue: { ne: '0' } });
  });

  it('refuses a flag without an operator or value, saying the form', () => {
    expect(() => parseWhereFlags(['status'])).toThrow(/FIELD OP VALUE/);
    expect(() => parseWhereFlags(['status='])).toThrow(/no value/);
  });
});
