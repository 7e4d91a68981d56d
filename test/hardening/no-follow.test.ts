import { chmodSync, existsSync, linkSync, lstatSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { runCli } from '../helpers/run-cli.js';
import { tempTree } from '../helpers/temp-dir.js';
import { emulatorForSuite } from '../helpers/emulator-suite.js';

/**
 * Every file refplan writes is written without following a symbolic link, and an existing file
 * is made private before anything is written to it. For each kind of file: a link planted at its
 * path (pointing at a file outside the folder) is refused, naming the file, with the outside
 * file untouched and, for apply, nothing sent; a pre-existing 0644 file ends up 0600.
 */
const TOKEN = 'tok-no-follow';
const suite = emulatorForSuite({ generate: 30, randomSeed: 22, token: TOKEN }, TOKEN);

const OUTSIDE = 'outside secret file\n';

/** A folder with change sets (three valid changes and one invalid) and a file "outside" it to aim links at. */
// Each test's changes are new values, so a plan made after an earlier test applied its own is never empty.
let setUps = 0;
function setUp(): { dir: string; outside: string; ids: string[] } {
  const base = 3000 + 10 * setUps++;
  const outsideDir = tempTree({ 'target.txt': OUTSIDE });
  const outside = join(outsideDir, 'target.txt');
  chmodSync(outside, 0o644);
  const dir = tempTree();
  const ids = suite.emu.store.all().filter((r) => r.status === 'Active').slice(0, 4).map((r) => r.id);
  writeFileSync(
    join(dir, 'changes.yaml'),
    `changes:\n${ids.slice(0, 3).map((id, i) => `  - id: "${id}"\n    set: { dealValue: ${base + i} }\n`).join('')}  - id: "${ids[3]}"\n    close: lost\n`,
  );
  writeFileSync(join(dir, 'put.json'), JSON.stringify({ ...suite.emu.store.get(ids[3]!)!, name: 'migrated name' }));
  return { dir, outside, ids };
}

function expectOutsideUntouched(outside: string): void {
  expect(readFileSync(outside, 'utf8')).toBe(OUTSIDE);
  expect((statSync(outside).mode & 0o777).toString(8)).toBe('644');
}

const commitsOf = (ids: string[]): number => ids.reduce((n, id) => n + (suite.emu.stats().commits.byId[id] ?? 0), 0);

describe('a symbolic link planted where refplan writes', () => {
  it('is refused for every kind of file, naming it, and apply sends nothing', async () => {
    const { dir, outside, ids } = setUp();
    const run = suite.cliIn(dir);
    const plant = (name: string): void => symlinkSync(outside, join(dir, name));
    const unplant = (name: string): void => rmSync(join(dir, name));
    const refused = async (name: string, what: string, args: string[]): Promise<void> => {
      plant(name);
      const r = await run(args, 1);
      // The path as typed, or resolved against the folder.
      const named = new RegExp(`refusing to write ${what} (\\S*/)?${name.replace(/\./g, '\\.')}: it is a symbolic link`);
      expect(r.stderr, `${args.join(' ')}`).toMatch(named);
      expect(lstatSync(join(dir, name)).isSymbolicLink(), `${name} is still the link`).toBe(true);
      expectOutsideUntouched(outside);
      unplant(name);
    };

    await refused('p.json', 'plan file', ['plan', 'changes.yaml', '-o', 'p.json', '--skip-invalid']);
    await refused('p.rejects.csv', 'rejects file', ['plan', 'changes.yaml', '-o', 'p.json', '--skip-invalid']);
    await refused('e.csv', 'export file', ['export', '-o', 'e.csv']);
    await refused('e.csv.refplan-baseline.json', 'export baseline', ['export', '-o', 'e.csv']);
    await refused('m.json', 'plan file', ['migrate', 'put.json', '-o', 'm.json']);

    await run(['plan', 'changes.yaml', '-o', 'p.json', '--skip-invalid']);
    await refused('r.html', 'HTML report', ['show', 'p.json', '--html', 'r.html']);
    const before = commitsOf(ids);
    await refused('p.journal.jsonl', 'journal', ['apply', 'p.json']);
    await refused('p.rollback.json', 'rollback file', ['apply', 'p.json']);
    await refused('p.results.csv', 'results file', ['apply', 'p.json']);
    await refused('a.html', 'HTML report', ['apply', 'p.json', '--html', 'a.html']);
    // Refused before anything was sent, and without leaving a lock or a journal behind.
    expect(commitsOf(ids)).toBe(before);
    expect(readdirSync(dir).filter((f) => f.endsWith('.lock') || f.endsWith('.tmp'))).toEqual([]);
    await run(['apply', 'p.json']);
    expect(commitsOf(ids)).toBe(before + 3);
  }, 120_000);

  it('is refused as a journal with a second hard link (appending would write to the other name too)', async () => {
    const { dir, outside } = setUp();
    const run = suite.cliIn(dir);
    await run(['plan', 'changes.yaml', '-o', 'p.json', '--skip-invalid']);
    chmodSync(outside, 0o600);
    linkSync(outside, join(dir, 'p.journal.jsonl'));
    const r = await run(['apply', 'p.json'], 1);
    expect(r.stderr).toContain('refusing to write journal p.journal.jsonl: it has 2 hard links');
    expect(readFileSync(outside, 'utf8')).toBe(OUTSIDE);
  });

  it('is refused as the emulator data file, at start', async () => {
    const { dir, outside } = setUp();
    const data = join(dir, 'data.json');
    symlinkSync(outside, data);
    const r = await runCli(['emulator', '--data', data, '--port', '0'], { timeoutMs: 20_000 });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain(`${data}: is a symbolic link`);
    expectOutsideUntouched(outside);
  });
});

describe('a pre-existing file that is not 0600', () => {
  it('is made 0600 before refplan writes to it, for every kind of file', async () => {
    const { dir } = setUp();
    const run = suite.cliIn(dir);
    const names = ['p.json', 'p.rejects.csv', 'e.csv', 'e.csv.refplan-baseline.json', 'r.html', 'a.html', 'm.json', 'p.journal.jsonl'];
    for (const f of names) writeFileSync(join(dir, f), '', { mode: 0o644 });
    for (const f of names) expect((statSync(join(dir, f)).mode & 0o777).toString(8)).toBe('644');
    await run(['export', '-o', 'e.csv']);
    await run(['plan', 'changes.yaml', '-o', 'p.json', '--skip-invalid']);
    await run(['show', 'p.json', '--html', 'r.html']);
    await run(['apply', 'p.json', '--html', 'a.html']);
    await run(['migrate', 'put.json', '-o', 'm.json']);
    const mode = (f: string): string => (statSync(join(dir, f)).mode & 0o777).toString(8);
    // An empty plan writes no journal (nothing to apply); a plan with entries starts it with its header.
    const planned = (JSON.parse(readFileSync(join(dir, 'p.json'), 'utf8')) as { entries: unknown[] }).entries.length;
    for (const f of names) if (planned > 0 || f !== 'p.journal.jsonl') expect(mode(f), f).toBe('600');
    if (planned === 0) expect(existsSync(join(dir, 'p.journal.jsonl'))).toBe(false);
    else expect(readFileSync(join(dir, 'p.journal.jsonl'), 'utf8')).toMatch(/^\{"seq":0,.*"event":"header"/);

    // Files a re-run does not rewrite are made private too, before anything is sent.
    // (An empty plan wrote none of them: they are planted here, and its apply narrows them all the same.)
    for (const f of ['p.journal.jsonl', 'p.rollback.json', 'p.results.csv']) {
      if (planned === 0) writeFileSync(join(dir, f), '');
      chmodSync(join(dir, f), 0o644);
    }
    await run(['apply', 'p.json']);
    for (const f of ['p.journal.jsonl', 'p.rollback.json', 'p.results.csv']) expect(mode(f), f).toBe('600');
  }, 120_000);

  it('is made 0600 as the emulator data file', async () => {
    const dir = tempTree();
    const data = join(dir, 'data.json');
    writeFileSync(data, '[]\n', { mode: 0o644 });
    const e = await startEmulator({ dataFile: data });
    expect((statSync(data).mode & 0o777).toString(8)).toBe('600');
    await e.close();
    expect((statSync(data).mode & 0o777).toString(8)).toBe('600');
    expect(existsSync(data)).toBe(true);
  });
});
