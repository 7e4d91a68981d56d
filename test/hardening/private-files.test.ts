import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempTree } from '../helpers/temp-dir.js';
import { emulatorForSuite } from '../helpers/emulator-suite.js';

/**
 * Files with customer data are created 0600, and the CSVs people open in Excel (results, rejects,
 * exports) never start a cell with something Excel would run as a formula.
 */
const TOKEN = 'tok-private-files';
const suite = emulatorForSuite({ generate: 30, randomSeed: 21, token: TOKEN }, TOKEN);
let hostile: { name: string; notes: string; id: string }[];

const HOSTILE = [
  { name: '=HYPERLINK("http://x","click")', notes: '@SUM(1)' },
  { name: '+1+1 Contoso', notes: '-2+3' },
  { name: '@cmd', notes: '=1+1' },
];

async function patch(id: string, ops: unknown[]): Promise<void> {
  const res = await fetch(`${suite.emu.url}/engagements/referrals/${id}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(ops),
  });
  expect(res.status, await res.text()).toBe(204);
}

beforeAll(async () => {
  // Hostile values seeded the way they would arrive: written through the API by someone else.
  const active = suite.emu.store.all().filter((r) => r.status === 'Active');
  hostile = HOSTILE.map((h, i) => ({ ...h, id: active[i]!.id }));
  for (const h of hostile) {
    await patch(h.id, [
      { op: 'replace', path: '/name', value: h.name },
      { op: 'replace', path: '/details/notes', value: h.notes },
    ]);
  }
});

function csvRows(path: string, delimiter = ','): string[][] {
  return parse(readFileSync(path, 'utf8').replace(/^\uFEFF/, ''), { delimiter, relax_column_count: true }) as string[][];
}

/** No cell may start with = + - @ (or tab/CR) unless escaped with a leading '. */
function expectFormulaSafe(rows: string[][], file: string): void {
  for (const row of rows) for (const cell of row) expect(cell, `${file}: ${JSON.stringify(cell)}`).not.toMatch(/^[=+\-@\t\r]/);
}

describe('customer-data files', () => {
  it('are all created with mode 0600: plan, rejects, journal, rollback, results, exports and baselines, HTML reports, migration plans', async () => {
    const dir = tempTree();
    const run = suite.cliIn(dir);
    const ids = suite.emu.store.all().filter((r) => r.status === 'Active').slice(5, 9).map((r) => r.id);
    // Three valid changes and one invalid one (--skip-invalid writes the rejects file).
    writeFileSync(
      join(dir, 'changes.yaml'),
      `changes:\n${ids.slice(0, 3).map((id, i) => `  - id: "${id}"\n    set: { dealValue: ${1000 + i} }\n`).join('')}  - id: "${ids[3]}"\n    close: lost\n`,
    );
    writeFileSync(join(dir, 'put.json'), JSON.stringify({ ...suite.emu.store.get(ids[3]!)!, name: 'migrated name' }));
    const inputs = new Set(['changes.yaml', 'put.json']);

    await run(['export', '-o', 'export.csv']);
    await run(['export', '-o', 'export.yaml']);
    await run(['plan', 'changes.yaml', '-o', 'p.json', '--skip-invalid']);
    await run(['show', 'p.json', '--html', 'review.html']);
    await run(['apply', 'p.json', '--html', 'applied.html']);
    await run(['rollback', 'p.rollback.json', '--yes']);
    await run(['migrate', 'put.json', '-o', 'migration.json']);

    const written = readdirSync(dir).filter((f) => !inputs.has(f));
    const expected = [
      'export.csv', 'export.csv.refplan-baseline.json', 'export.yaml', 'export.yaml.refplan-baseline.json',
      'p.json', 'p.rejects.csv', 'review.html', 'p.journal.jsonl', 'p.rollback.json', 'p.results.csv', 'applied.html',
      'p.rollback.journal.jsonl', 'p.rollback.results.csv', 'migration.json',
    ];
    expect(written).toEqual(expect.arrayContaining(expected));
    // Every file refplan left behind, not only the expected ones (no stray temp or lock files either).
    for (const f of written) expect((statSync(join(dir, f)).mode & 0o777).toString(8), f).toBe('600');
    expect(written.filter((f) => f.endsWith('.tmp') || f.endsWith('.lock'))).toEqual([]);
  });
});

describe('spreadsheet formula escaping', () => {
  it("export, results and rejects write hostile values with a leading ', and plan reads them back unchanged", async () => {
    const dir = tempTree();
    const run = suite.cliIn(dir);

    // Export: the hostile cells are escaped, and so is every other formula-like cell.
    await run(['export', '-o', 'export.csv']);
    const exported = csvRows(join(dir, 'export.csv'));
    const header = exported[0]!;
    const col = (name: string): number => header.indexOf(name);
    for (const h of hostile) {
      const row = exported.find((r) => r[col('id')] === h.id)!;
      expect(row[col('name')]).toBe(`'${h.name}`);
      expect(row[col('notes')]).toBe(`'${h.notes}`);
    }
    expectFormulaSafe(exported, 'export.csv');
    await run(['export', '-o', 'export-semicolon.csv', '--delimiter', ';']);
    expectFormulaSafe(csvRows(join(dir, 'export-semicolon.csv'), ';'), 'export-semicolon.csv');

    // The unedited export plans to nothing: the reader undoes the escape, so no cell looks edited.
    const unedited = await run(['plan', 'export.csv', '-o', 'none.json', '--json']);
    expect((JSON.parse(unedited.stdout) as { entries: unknown[] }).entries).toEqual([]);

    // Apply a change to the hostile referrals: their names land in the results' name column.
    writeFileSync(
      join(dir, 'changes.yaml'),
      `changes:\n${hostile.map((h, i) => `  - id: "${h.id}"\n    set: { dealValue: ${7000 + i} }\n`).join('')}  - id: "00000000-0000-4000-8000-000000000000"\n    set: { notes: "=not found" }\n`,
    );
    await run(['plan', 'changes.yaml', '-o', 'p.json', '--skip-invalid']);
    await run(['apply', 'p.json']);
    const results = csvRows(join(dir, 'p.results.csv'));
    for (const h of hostile) {
      const row = results.find((r) => r.includes(h.id))!;
      expect(row[results[0]!.indexOf('name')]).toBe(`'${h.name}`);
    }
    expectFormulaSafe(results, 'p.results.csv');

    // Rejects: a change set whose file name and values start like formulas.
    writeFileSync(join(dir, '=changes.csv'), `id,dealValue,notes\n${hostile[0]!.id},-5,@evil\n00000000-0000-4000-8000-000000000001,=1+1,+2\n`);
    await run(['plan', '=changes.csv', '-o', 'q.json', '--skip-invalid']);
    const rejects = csvRows(join(dir, 'q.rejects.csv'));
    expect(rejects.length).toBeGreaterThan(1);
    expect(rejects.slice(1).every((r) => r[0] === "'=changes.csv")).toBe(true);
    expectFormulaSafe(rejects, 'q.rejects.csv');
  });
});
