import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { describe, expect, it } from 'vitest';
import { RESULTS_COLUMNS, renderResultsCsv, resultsCsvCells, resultsPathFor, writeResultsCsv, type ResultRow } from '../../src/files/results-csv.js';
import { tempTree } from '../helpers/temp-dir.js';

const rows: ResultRow[] = [
  { sources: [{ file: 'c.csv', row: 4, columnName: 'dealValue' }], referralId: 'r1', label: '=HYPERLINK("http://x")', outcome: 'applied', eTag: '"e"' },
  { sources: [{ file: 'c.yaml', line: 3, column: 5 }], referralId: 'r2', label: '+cmd', outcome: 'conflict', message: '-2+3', changedSincePlan: [{ path: '/details/notes', planned: 'a', now: 'b' }] },
  { sources: [], referralId: 'r3', label: '@SUM(A1)', outcome: 'failed', message: 'plain, with "quotes"\nand a newline' },
];

describe('results CSV', () => {
  it('is named after the plan', () => {
    expect(resultsPathFor('/d/p.json')).toBe('/d/p.results.csv');
  });

  it('starts with a UTF-8 BOM and escapes every formula-like cell', () => {
    const text = renderResultsCsv(rows);
    expect(text.startsWith('\uFEFF')).toBe(true);
    const parsed = parse(text, { bom: true, columns: true }) as Record<string, string>[];
    expect(parsed.map((r) => r['name'])).toEqual(["'=HYPERLINK(\"http://x\")", "'+cmd", "'@SUM(A1)"]);
    expect(parsed[1]!['message']).toBe("'-2+3");
    expect(parsed[0]!['input']).toBe('c.csv: row 4, column "dealValue"');
    expect(parsed[1]!['changedSincePlan']).toBe('/details/notes: "a" -> "b"');
    expect(parsed[2]!['message']).toBe('plain, with "quotes"\nand a newline');
    // No cell of the parsed file starts with a formula trigger.
    for (const r of parsed) for (const v of Object.values(r)) expect(v).not.toMatch(/^[=+\-@]/);
  });

  it('written a block of rows at a time, is the file one stringify of every row makes', async () => {
    // 2,500 rows: two full blocks and a part one; the first data row comes right after the header.
    const many: ResultRow[] = Array.from({ length: 2500 }, (_, i) => ({ ...rows[i % rows.length]!, referralId: `r${i}` }));
    const dir = tempTree();
    const path = join(dir, 'p.results.csv');
    await writeResultsCsv(path, many);
    const expected = stringify([[...RESULTS_COLUMNS], ...many.map(resultsCsvCells)], { bom: true, escape_formulas: true, record_delimiter: 'windows' });
    expect(readFileSync(path, 'utf8')).toBe(expected);
    expect(renderResultsCsv(many)).toBe(expected);
  });

  it('is written 0600', async () => {
    const dir = tempTree();
    const path = join(dir, 'p.results.csv');
    await writeResultsCsv(path, rows);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8').split('\r\n')[0]).toBe('\uFEFFinput,referralId,name,outcome,message,eTag,changedSincePlan');
  });
});
