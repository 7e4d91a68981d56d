import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, runCli } from '../helpers/run-cli.js';
import { tempTree } from '../helpers/temp-dir.js';
import type { Diagnostic } from '../../src/core/diagnostics.js';

/** A handful of cases through the built CLI under plain node (the corpus runs in-process). */
describe('refplan validate (built CLI)', () => {
  it('accepts the samples: exit 0, guesses printed as notes', async () => {
    const run = await runCli(['validate', 'samples/changes.yaml', 'samples/changes-comma.csv', 'samples/changes-dutch-excel.csv']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('note: encoding: windows-1252');
    expect(run.stdout).toContain('✓ 12 changes valid in 3 files');
  });

  it('reports the mistakes sample exactly as docs/guides/yaml-change-sets.md shows it', async () => {
    const run = await runCli(['validate', 'samples/mistakes.csv']);
    expect(run.code).toBe(3);
    expect(run.stdout).toContain('samples/mistakes.csv: row 2, column "dealvalue": error: dealValue: "12,50.0" has misplaced thousands separators');
    const readme = readFileSync(join(repoRoot, 'docs', 'guides', 'yaml-change-sets.md'), 'utf8');
    expect(readme).toContain(run.stdout.trim());
  });

  it('prints machine-readable diagnostics with --json', async () => {
    const dir = tempTree({ 'c.yaml': 'changes:\n  - id: 00123\n    set: { notes: x }\n' });
    const run = await runCli(['validate', 'c.yaml', '--json'], { cwd: dir });
    expect(run.code).toBe(3);
    const doc = JSON.parse(run.stdout) as { ok: boolean; diagnostics: Diagnostic[] };
    expect(doc.ok).toBe(false);
    expect(doc.diagnostics.find((d) => d.severity === 'error')).toMatchObject({ code: 'unquoted-id', at: { file: 'c.yaml', line: 2, column: 9 }, text: '00123' });
  });

  it('exits 3 for a file that does not exist, naming it', async () => {
    const run = await runCli(['validate', 'nope.csv']);
    expect(run.code).toBe(3);
    expect(run.stdout).toContain('nope.csv does not exist');
  });

  it('exits 1 with a one-paragraph error for a bad flag value', async () => {
    const run = await runCli(['validate', 'samples/changes.yaml', '--delimiter', '|']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/--delimiter "\|" is not supported/);
    expect(run.stderr).not.toMatch(/at .*\.js:\d+/);
  });
});
