import { lstatSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writePlan } from '../../src/files/plan-file.js';
import { runCli } from '../helpers/run-cli.js';
import { samplePlanBody } from '../helpers/sample-plan.js';
import { tempTree } from '../helpers/temp-dir.js';

// The built CLI under plain node (npm test builds first).
describe('refplan show', () => {
  it('prints a good plan (exit 0): summary, masked diffs, limit', async () => {
    const dir = tempTree();
    await writePlan(join(dir, 'plan.json'), samplePlanBody({ entries: 60 }));
    const run = await runCli(['show', 'plan.json', '--limit', '3'], { cwd: dir });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Summary: will change 60 referrals');
    expect(run.stdout).toContain('… and 57 more (use a higher --limit (now 3), or --referral ID)');
    expect(run.stdout).not.toContain('\u001b[');
    expect(run.stdout).not.toMatch(/jane\.doe\d+@/);

    const one = await runCli(['show', 'plan.json', '--referral', 'ref-00002', '--show-pii'], { cwd: dir });
    expect(one.code).toBe(0);
    expect(one.stdout).toContain('+ jane.doe2@contoso.com (Jane Doe, +1 425-555-0002)');
    expect(one.stdout.match(/^~ /gm)).toHaveLength(1);
  });

  it('--json prints the plan document itself', async () => {
    const dir = tempTree();
    await writePlan(join(dir, 'plan.json'), samplePlanBody({ entries: 5 }));
    const run = await runCli(['show', join(dir, 'plan.json'), '--json']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(readFileSync(join(dir, 'plan.json'), 'utf8'));
  });

  it('refuses an edited plan with exit 3 and the clear message', async () => {
    const dir = tempTree();
    const path = join(dir, 'plan.json');
    await writePlan(path, samplePlanBody({ entries: 5 }));
    writeFileSync(path, readFileSync(path, 'utf8').replace('"Lost"', '"Won"'));
    const run = await runCli(['show', 'plan.json'], { cwd: dir });
    expect(run.code).toBe(3);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('refplan: plan.json: the plan was edited or truncated after it was written; re-run refplan plan');
    expect(run.stderr).toContain('hint: Do not edit plan files');
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('refuses missing files and bad flags with documented exit codes', async () => {
    const dir = tempTree();
    const missing = await runCli(['show', 'nope.json'], { cwd: dir });
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('refplan: cannot read plan file nope.json: no such file');

    const folder = await runCli(['show', '.'], { cwd: dir });
    expect(folder.code).toBe(3);
    expect(folder.stderr).toMatch(/is a directory, not a file/);

    await writePlan(join(dir, 'plan.json'), samplePlanBody({ entries: 2 }));
    const badLimit = await runCli(['show', 'plan.json', '--limit', 'lots'], { cwd: dir });
    expect(badLimit.code).toBe(1);
    expect(badLimit.stderr).toContain('--limit must be a whole number of entries, found "lots"');

    const unknown = await runCli(['show', 'plan.json', '--referral', 'ref-nope'], { cwd: dir });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('plan.json has no entry for referral ref-nope');
  });

  it('--html writes a private, self-contained report', async () => {
    const dir = tempTree();
    await writePlan(join(dir, 'plan.json'), samplePlanBody({ entries: 8 }));
    const run = await runCli(['show', 'plan.json', '--html', 'report.html', '--limit', '0'], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('wrote HTML report report.html (8 entries, contact details masked)');
    const html = readFileSync(join(dir, 'report.html'), 'utf8');
    expect(statSync(join(dir, 'report.html')).mode & 0o777).toBe(0o600);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('j***@contoso.com');
    expect(html).not.toMatch(/jane\.doe\d+@contoso\.com/);
  });

  it('--format table|csv|markdown, -o FILE (0600, never through a symlink), --verbose, and COLUMNS', async () => {
    const dir = tempTree();
    await writePlan(join(dir, 'plan.json'), samplePlanBody({ entries: 6, currencies: ['JPY'], message: 'Close the Q3 deals lost to competitors' }));
    const table = await runCli(['show', 'plan.json', '--format', 'table'], { cwd: dir, env: { COLUMNS: '60' } });
    expect(table.code).toBe(0);
    expect(table.stdout.split('\n')[0]).toBe('Plan ' + table.stdout.slice(5, 17) + ': Close the Q3 deals lost to competitors');
    expect(table.stdout).toContain('  ref-00000  Deal 0  dealValue 1,000 → 1,500 JPY\n');
    expect(table.stdout.split('\n').every((l) => l.length <= 60)).toBe(true);

    const md = await runCli(['show', 'plan.json', '--format', 'markdown'], { cwd: dir });
    expect(md.stdout.startsWith('### Close the Q3 deals lost to competitors\n')).toBe(true);

    writeFileSync(join(dir, 'elsewhere.csv'), 'keep me');
    symlinkSync(join(dir, 'elsewhere.csv'), join(dir, 'link.csv'));
    const planted = await runCli(['show', 'plan.json', '--format', 'csv', '-o', 'link.csv'], { cwd: dir });
    expect(planted.code).toBe(1);
    expect(planted.stderr).toContain('it is a symbolic link');
    expect(readFileSync(join(dir, 'elsewhere.csv'), 'utf8')).toBe('keep me');
    expect(lstatSync(join(dir, 'link.csv')).isSymbolicLink()).toBe(true);

    const csv = await runCli(['show', 'plan.json', '--format', 'csv', '-o', 'review.csv'], { cwd: dir });
    expect(csv.code).toBe(0);
    expect(csv.stdout).toBe('');
    expect(csv.stderr).toContain('wrote csv view review.csv (6 entries, contact details masked)');
    expect(statSync(join(dir, 'review.csv')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'review.csv'), 'utf8')).toMatch(/^\uFEFFreferralId,name,irreversible,/);

    const human = await runCli(['show', 'plan.json', '--verbose', '-o', '-'], { cwd: dir });
    expect(human.stdout).toMatch(/^~ ref-00000 {2}"Deal 0" {2}eTag W\/"1"$/m);
    expect((await runCli(['show', 'plan.json'], { cwd: dir })).stdout).not.toContain('eTag');

    const both = await runCli(['show', 'plan.json', '--json', '--format', 'csv'], { cwd: dir });
    expect(both.code).toBe(1);
    expect(both.stderr).toContain('--json and --format csv ask for two different outputs');
    const unknown = await runCli(['show', 'plan.json', '--format', 'xml'], { cwd: dir });
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/xml/);
  });
});
