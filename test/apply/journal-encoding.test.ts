import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { tempTree } from '../helpers/temp-dir.js';
import { emulatorForSuite } from '../helpers/emulator-suite.js';
import { writeTestPlan } from './build-plan.js';

/** A journal re-saved as UTF-16 (PowerShell) or UTF-8 with a BOM still replays (built CLI). */
const suite = emulatorForSuite({ generate: 20, randomSeed: 17 }, 'journal-encoding-token');

const editable = () => suite.emu.store.all().filter((r) => r.status === 'New' || r.status === 'Active');

describe('journal encodings', () => {
  it.each([
    ['utf-16le', (t: string) => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(t, 'utf16le')])],
    ['utf-8 with a BOM', (t: string) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(t, 'utf8')])],
  ])('replays a journal re-saved as %s, sends nothing again, and appends in UTF-8', async (_name, encode) => {
    const dir = tempTree();
    const planPath = join(dir, 'p.json');
    const slice = _name === 'utf-16le' ? [0, 3] : [3, 6];
    await writeTestPlan(planPath, editable().slice(slice[0], slice[1]), suite.emu.url, { count: 3, tag: `enc-${slice[0]}` });
    expect((await runCli(['apply', planPath], { env: suite.env })).code).toBe(0);
    const journal = join(dir, 'p.journal.jsonl');
    const text = readFileSync(journal, 'utf8');
    // Drop the end record so that the re-run writes to the journal (it must then be UTF-8 throughout).
    const withoutEnd = text.split('\n').filter((l) => l !== '' && !l.includes('"event":"end"')).join('\n') + '\n';
    writeFileSync(journal, encode(withoutEnd));
    const commits = suite.emu.stats().commits.total;
    const again = await runCli(['apply', planPath], { env: suite.env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/already applied/);
    expect(suite.emu.stats().commits.total).toBe(commits);
    const bytes = readFileSync(journal);
    expect([bytes[0], bytes[1]]).not.toEqual([0xff, 0xfe]);
    expect(bytes[0]).not.toBe(0xef);
    const lines = bytes.toString('utf8').trim().split('\n');
    expect(lines.every((l) => typeof JSON.parse(l) === 'object')).toBe(true);
    expect(lines.at(-1)).toContain('"end"');
  });
});
