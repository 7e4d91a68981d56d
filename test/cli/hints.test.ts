import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeTestPlan } from '../apply/build-plan.js';
import { runCli } from '../helpers/run-cli.js';
import { tempTree } from '../helpers/temp-dir.js';
import { emulatorForSuite } from '../helpers/emulator-suite.js';

/** A hint never suggests a flag that was already passed (built CLI). */
const suite = emulatorForSuite({ generate: 20, randomSeed: 13 }, 'hints-token');

describe('hints and the flags in force', () => {
  // Each row: a command line that ends in a hint about one of its own flags; the hint without
  // the flag suggests it, the hint with it does not (and keeps what is still useful).
  const rows: { name: string; files: Record<string, string>; args: string[]; code: number; without: string[] | undefined; want: RegExp; not: RegExp }[] = [
    {
      name: 'plan --max-changes: raise it, saying what it is now',
      files: { 'wide.yaml': 'changes:\n  - where: { status: New }\n    set: { notes: "triage" }\n' },
      args: ['plan', 'wide.yaml', '--max-changes', '1'],
      code: 3,
      without: undefined,
      want: /fix: narrow the selectors, or raise --max-changes \(now 1\) to at least \d+ if this is intended/,
      // --skip-invalid would not help either: the plan is refused as a whole.
      not: /raise --max-changes to|--skip-invalid/,
    },
    {
      name: 'plan --skip-invalid on a broken file: explains the flag, never suggests it',
      files: { 'broken.yaml': 'changes:\n  - id: x\n    set: { notes: hi\n' },
      args: ['plan', 'broken.yaml', '--skip-invalid', '-o', 'p.json'],
      code: 3,
      without: ['plan', 'broken.yaml', '-o', 'p.json'],
      want: /--skip-invalid skips invalid rows, not broken files/,
      not: /use --skip-invalid/,
    },
  ];
  for (const row of rows) {
    it(row.name, async () => {
      const dir = tempTree(row.files);
      const run = await runCli(row.args, { env: suite.env, cwd: dir });
      expect(run.code, run.stderr).toBe(row.code);
      expect(run.stderr).toMatch(row.want);
      expect(run.stderr).not.toMatch(row.not);
      if (row.without === undefined) return;
      // The same problem without the flag: a hint that does suggest it (so the row proves something).
      const before = await runCli(row.without, { env: suite.env, cwd: dir });
      expect(before.stderr).toMatch(row.not);
    });
  }

  it('show --limit: the "… and N more" line does not suggest --limit as if it was not given', async () => {
    const dir = tempTree();
    const planPath = join(dir, 'p.json');
    const editable = suite.emu.store.all().filter((r) => r.status === 'New' || r.status === 'Active');
    await writeTestPlan(planPath, editable.slice(0, 6), suite.emu.url, { count: 6, tag: 'hints-limit' });
    const run = await runCli(['show', planPath, '--limit', '2'], { env: suite.env });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('… and 4 more (use a higher --limit (now 2), or --referral ID)');
    const picked = await runCli(['show', planPath, '--referral', editable[0]!.id, '--referral', editable[1]!.id, '--limit', '1'], { env: suite.env });
    expect(picked.stdout).toContain('… and 1 more (use a higher --limit (now 1))');
  });

  it('apply --rebase ending in a conflict does not suggest --rebase', async () => {
    const dir = tempTree();
    const planPath = join(dir, 'p.json');
    const editable = suite.emu.store.all().filter((r) => r.status === 'New' || r.status === 'Active');
    const plan = await writeTestPlan(planPath, editable.slice(0, 2), suite.emu.url, { count: 2, tag: 'hints' });
    const victim = plan.entries.find((e) => '/details/notes' in e.before)!;
    const res = await fetch(`${suite.emu.url}/engagements/referrals/${victim.referralId}`, {
      method: 'PATCH',
      headers: { authorization: 'Bearer other', 'content-type': 'application/json' },
      body: JSON.stringify([{ op: 'replace', path: '/details/notes', value: 'their notes' }]),
    });
    expect(res.status).toBeLessThan(300);
    const run = await runCli(['apply', planPath, '--rebase'], { env: suite.env });
    expect(run.code, run.stderr).toBe(4);
    expect(run.stdout).toMatch(/Conflicts were not overwritten/);
    expect(run.stdout).not.toContain('--rebase');
  });
});
