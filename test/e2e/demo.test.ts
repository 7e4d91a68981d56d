import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { tempTree } from '../helpers/temp-dir.js';

describe('refplan demo (what npm start runs)', () => {
  it('walks the whole workflow with the real commands and leaves its files behind', async () => {
    const cwd = tempTree();
    const run = await runCli(['demo', '--referrals', '120'], { cwd, timeoutMs: 120_000 });
    expect(run.stderr).not.toMatch(/^\s+at /m);
    expect(run.code).toBe(0);
    for (const command of ['export', 'validate', 'plan', 'apply', 'show', 'rollback', 'migrate']) {
      expect(run.stdout).toMatch(new RegExp(`^\\$ refplan ${command} `, 'm'));
    }
    // The concurrent edit is reported, not overwritten.
    expect(run.stdout).toMatch(/CONFLICT/);
    expect(run.stdout).toMatch(/Try next:/);
    const dir = join(cwd, '.refplan-demo');
    for (const file of ['active.csv', 'plan.json', 'plan.journal.jsonl', 'plan.results.csv', 'plan.rollback.json', 'migration.json']) {
      expect(existsSync(join(dir, file)), file).toBe(true);
    }
    expect(statSync(join(dir, 'plan.json')).mode & 0o777).toBe(0o600);
  }, 150_000);

  it('--dir outside the current folder: prints absolute paths (no leading / lost) and suggests only files that exist', async () => {
    const cwd = tempTree();
    const elsewhere = join(tempTree(), 'demo-files');
    const run = await runCli(['demo', '--referrals', '40', '--dir', elsewhere], { cwd, timeoutMs: 120_000 });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain(`$ refplan export --where status=Active -o ${elsewhere}/active.csv`);
    expect(run.stdout).not.toMatch(/samples\/mistakes\.csv/);
    const suggested = [...run.stdout.matchAll(/npx refplan \w+ (\S+)/g)].map((m) => m[1]!);
    expect(suggested.length).toBeGreaterThan(0);
    for (const path of suggested.filter((p) => !p.startsWith('-'))) {
      expect(path.startsWith('/'), path).toBe(true);
      if (!path.endsWith('report.html')) expect(existsSync(path), path).toBe(true);
    }
    expect(readdirSync(cwd)).toEqual([]);
  }, 150_000);
});

