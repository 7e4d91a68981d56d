import { appendFileSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { tempTree } from '../helpers/temp-dir.js';
import { emulatorForSuite } from '../helpers/emulator-suite.js';
import { at, writeTestPlan } from './build-plan.js';

/** The built CLI: exit codes, confirmations and refusals of apply and rollback. */
const suite = emulatorForSuite({ generate: 80, randomSeed: 21 }, 'cli-test-token');

const editable = () => suite.emu.store.all().filter((r) => r.status === 'New' || r.status === 'Active');

describe('refplan apply / rollback (built CLI)', () => {
  it('exits 4 on a conflict, names it with its field diff, and writes the results CSV', async () => {
    const dir = tempTree();
    const planPath = join(dir, 'p.json');
    const plan = await writeTestPlan(planPath, editable().slice(0, 4), suite.emu.url, { count: 4, tag: 'cli-conflict' });
    const victim = plan.entries.find((e) => '/details/notes' in e.before)!;
    // Another user's edit, straight into the emulator over HTTP.
    const res = await fetch(`${suite.emu.url}/engagements/referrals/${victim.referralId}`, {
      method: 'PATCH',
      headers: { authorization: 'Bearer other', 'content-type': 'application/json' },
      body: JSON.stringify([{ op: 'replace', path: '/details/notes', value: 'their notes' }]),
    });
    expect(res.status).toBeLessThan(300);
    const run = await runCli(['apply', planPath, '--html', join(dir, 'results.html')], { env: suite.env });
    expect(run.code, run.stderr).toBe(4);
    const html = readFileSync(join(dir, 'results.html'), 'utf8');
    expect(html).toContain(victim.referralId);
    expect(html).toMatch(/conflict/);
    expect(run.stdout).toContain(`CONFLICT ${victim.referralId}`);
    expect(run.stdout).toContain('/details/notes: planned from');
    expect(run.stdout).toContain('"their notes"');
    expect(at(suite.emu.store.get(victim.referralId)!, '/details/notes')).toBe('their notes');
    const csv = readFileSync(join(dir, 'p.results.csv'), 'utf8');
    expect(csv.split('\r\n').filter((l) => l.includes(',conflict,'))).toHaveLength(1);
    expect(run.stderr).toMatch(/apply: 4\/4 \(100%\)/);
  });

  it('refuses a plan that was edited after it was written (exit 3), sending nothing', async () => {
    const dir = tempTree();
    const planPath = join(dir, 'p.json');
    await writeTestPlan(planPath, editable().slice(10, 12), suite.emu.url, { count: 2, tag: 'cli-tampered' });
    writeFileSync(planPath, readFileSync(planPath, 'utf8').replace('cli-tampered note 0', 'cli-tampered note X'));
    const before = suite.emu.stats().requests.total;
    const run = await runCli(['apply', planPath], { env: suite.env });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/checksum/i);
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace without --debug
    expect(suite.emu.stats().requests.total).toBe(before);
  });

  it('rollback refuses a plan file, and asks before restoring (refusing without a terminal or --yes)', async () => {
    const dir = tempTree();
    const planPath = join(dir, 'p.json');
    await writeTestPlan(planPath, editable().slice(20, 23), suite.emu.url, { count: 3, tag: 'cli-rollback' });
    const notRollback = await runCli(['rollback', planPath, '--yes'], { env: suite.env });
    expect(notRollback.code).toBe(1);
    expect(notRollback.stderr).toMatch(/is a plan file, not a rollback file/);

    expect((await runCli(['apply', planPath], { env: suite.env })).code).toBe(0);
    const commits = suite.emu.stats().commits.total;
    const asked = await runCli(['rollback', join(dir, 'p.rollback.json')], { env: suite.env });
    expect(asked.code).toBe(1);
    expect(asked.stdout).toMatch(/will restore 3 referrals/);
    expect(asked.stderr).toMatch(/needs a confirmation.*no terminal/);
    expect(asked.stderr).toMatch(/--yes/);
    expect(suite.emu.stats().commits.total).toBe(commits);

    const done = await runCli(['rollback', join(dir, 'p.rollback.json'), '--yes'], { env: suite.env });
    expect(done.code, done.stderr).toBe(0);
    expect(done.stdout).toMatch(/rollback: 3 entries: 3 applied/);
    expect(suite.emu.stats().commits.total).toBe(commits + 3);
  });

  it('rollback refuses while the apply that writes the file was interrupted with a write in flight', async () => {
    const dir = tempTree();
    const planPath = join(dir, 'p.json');
    const plan = await writeTestPlan(planPath, editable().slice(30, 32), suite.emu.url, { count: 2, tag: 'cli-inflight' });
    expect((await runCli(['apply', planPath], { env: suite.env })).code).toBe(0);
    // As if a later run had been killed between an intent and its outcome.
    appendFileSync(
      join(dir, 'p.journal.jsonl'),
      JSON.stringify({ seq: 99, t: new Date().toISOString(), planChecksum: plan.checksum, referralId: plan.entries[0]!.referralId, event: 'intent', eTag: '"x"' }) + '\n',
    );
    const run = await runCli(['rollback', join(dir, 'p.rollback.json'), '--yes'], { env: suite.env });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/interrupted with 1 write not yet settled/);
    expect(run.stderr).toContain(`refplan apply ${join(dir, 'p')}.json`);
    // Settled, but as if killed before the rollback file caught up with the journal.
    appendFileSync(
      join(dir, 'p.journal.jsonl'),
      JSON.stringify({ seq: 100, t: new Date().toISOString(), planChecksum: plan.checksum, referralId: plan.entries[0]!.referralId, event: 'outcome', outcome: 'applied', eTag: '"y"' }) + '\n' +
        JSON.stringify({ seq: 101, t: new Date().toISOString(), planChecksum: plan.checksum, referralId: 'not-in-the-file', event: 'outcome', outcome: 'applied', eTag: '"z"' }) + '\n',
    );
    const lagging = await runCli(['rollback', join(dir, 'p.rollback.json'), '--yes'], { env: suite.env });
    expect(lagging.code).toBe(1);
    expect(lagging.stderr).toMatch(/missing 1 applied entry that the journal records/);
    // Killed (or stopped by a full disk) before the rollback file was first written: it is sealed when the apply ends.
    rmSync(join(dir, 'p.rollback.json'));
    const unsealed = await runCli(['rollback', join(dir, 'p.rollback.json'), '--yes'], { env: suite.env });
    expect(unsealed.code).toBe(1);
    expect(unsealed.stderr).toMatch(/p\.rollback\.json is not written yet: the apply of .*p\.json did not finish/);
  });

  it('apply of change-set files plans first, refuses without a terminal or --yes, and applies with --yes', async () => {
    const target = editable()[40]!;
    const dir = tempTree({ 'changes.yaml': `changes:\n  - id: "${target.id}"\n    set: { notes: "from yaml" }\n` });
    const commits = suite.emu.stats().commits.total;
    const refused = await runCli(['apply', join(dir, 'changes.yaml')], { env: suite.env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/needs a confirmation/);
    expect(refused.stdout).toMatch(/will change 1 referral/);
    expect(suite.emu.stats().commits.total).toBe(commits);
    expect(existsSync(join(dir, 'changes.plan.json'))).toBe(true);

    const applied = await runCli(['apply', join(dir, 'changes.yaml'), '--yes'], { env: suite.env });
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toMatch(/apply: 1 entry: 1 applied/);
    expect(at(suite.emu.store.get(target.id)!, '/details/notes')).toBe('from yaml');
    expect(suite.emu.stats().commits.byId[target.id]).toBe(1);
    expect(existsSync(join(dir, 'changes.plan.rollback.json'))).toBe(true);
  });

  it('apply of change-set files does not re-plan over an earlier apply of them that left writes unsettled', async () => {
    const target = editable()[42]!;
    const dir = tempTree({ 'changes.yaml': `changes:\n  - id: "${target.id}"\n    set: { notes: "first" }\n` });
    const planPath = join(dir, 'changes.plan.json');
    expect((await runCli(['apply', join(dir, 'changes.yaml'), '--yes'], { env: suite.env })).code).toBe(0);
    const planText = readFileSync(planPath, 'utf8');
    const checksum = (JSON.parse(planText) as { checksum: string }).checksum;
    // As if a later run of that plan had been killed between an intent and its outcome.
    appendFileSync(
      join(dir, 'changes.plan.journal.jsonl'),
      JSON.stringify({ seq: 99, t: new Date().toISOString(), planChecksum: checksum, referralId: target.id, event: 'intent', eTag: '"x"' }) + '\n',
    );
    writeFileSync(join(dir, 'changes.yaml'), `changes:\n  - id: "${target.id}"\n    set: { notes: "second" }\n`);
    const commits = suite.emu.stats().commits.total;
    const again = await runCli(['apply', join(dir, 'changes.yaml'), '--yes'], { env: suite.env });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/not settled/);
    expect(again.stderr).toContain(`refplan apply ${planPath}`);
    // The plan its journal and rollback file belong to is still there, so that run can be settled.
    expect(readFileSync(planPath, 'utf8')).toBe(planText);
    expect(suite.emu.stats().commits.total).toBe(commits);
    const settle = await runCli(['apply', planPath], { env: suite.env });
    expect(settle.code, settle.stderr).toBe(0);
    expect(suite.emu.stats().commits.byId[target.id]).toBe(1);
  });

  it('explains bad flags and missing files in one paragraph', async () => {
    const dir = tempTree();
    const missing = await runCli(['apply', join(dir, 'nope.json')], { env: suite.env });
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('nope.json');
    const planPath = join(dir, 'p.json');
    // A plan with an entry: an empty plan writes no journal, so it would never meet the foreign one.
    const flagsPlan = await writeTestPlan(planPath, editable().slice(0, 1), suite.emu.url, { count: 1, tag: 'cli-flags' });
    expect(flagsPlan.entries).toHaveLength(1);
    const badRate = await runCli(['apply', planPath, '--rate', 'fast'], { env: suite.env });
    expect(badRate.code).toBe(1);
    expect(badRate.stderr).toMatch(/--rate/);
    expect(badRate.stderr).not.toMatch(/\n\s+at /);
    // A journal that is not this plan's: refused with what to do, nothing sent, lock released.
    writeFileSync(join(dir, 'p.journal.jsonl'), JSON.stringify({ seq: 0, t: 'x', event: 'header', format: 'refplan.journal/1', planChecksum: 'e'.repeat(64), planKind: 'plan' }) + '\n');
    const requests = suite.emu.stats().requests.total;
    const otherJournal = await runCli(['apply', planPath], { env: suite.env });
    expect(otherJournal.code, otherJournal.stdout + otherJournal.stderr).toBe(3);
    expect(otherJournal.stderr).toMatch(/p\.journal\.jsonl is the journal of another plan/);
    expect(otherJournal.stderr).toMatch(/hint: .*move it away/);
    expect(suite.emu.stats().requests.total).toBe(requests);
    expect(existsSync(join(dir, 'p.lock'))).toBe(false);
  });
});
