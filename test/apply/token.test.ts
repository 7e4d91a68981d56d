import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, type CliRun } from '../helpers/run-cli.js';
import { tempTree } from '../helpers/temp-dir.js';
import { emulatorForSuite } from '../helpers/emulator-suite.js';
import { writeTestPlan } from './build-plan.js';

/**
 * The token must never reach a file refplan writes or anything it prints: the whole journey
 * (export, validate, plan, show, apply, rollback, migrate), --json and --html, and the error paths
 * (401 from a server that wants another token, a refused token command, a conflict, bad flags,
 * --debug stack traces). Distinctive and random per run, so a hit cannot be a coincidence.
 */
const TOKEN = `tok-SECRET-${randomBytes(8).toString('hex')}`;
const SECRET_PART = TOKEN.slice('tok-'.length);

// The emulator accepts exactly this token, so the runs below really use it; the other one
// wants another token, as a server with a rotated secret would.
const suite = emulatorForSuite({ generate: 40, randomSeed: 5, token: TOKEN }, TOKEN);
const rotated = emulatorForSuite({ generate: 5, randomSeed: 6, token: 'tok-the-other-one' }, TOKEN);

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** Another user's edit, straight to the API, between plan and apply. */
async function editBehindTheBack(id: string): Promise<void> {
  const res = await fetch(`${suite.emu.url}/engagements/referrals/${id}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify([{ op: 'replace', path: '/details/notes', value: 'edited by another user' }]),
  });
  expect(res.status).toBe(204);
}

describe('the token', () => {
  it('appears in no file written and no output of the whole journey, including errors, --debug and --json', async () => {
    const dir = tempTree();
    const planPath = join(dir, 'p.json');
    const run = (args: string[], extraEnv: NodeJS.ProcessEnv = suite.env): Promise<CliRun> => runCli(args, { cwd: dir, env: extraEnv });
    const runs: CliRun[] = [];
    const expectCode = (r: CliRun, code: number): void => {
      runs.push(r);
      expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(code);
    };

    // export → validate the export → plan → show → apply (--html) → apply again (--json) → rollback.
    expectCode(await run(['export', '--where', 'status=Active', '-o', 'active.csv', '--json']), 0);
    expectCode(await run(['validate', 'active.csv', '--json']), 0);
    const active = suite.emu.store.all().filter((r) => r.status === 'Active');
    const ids = active.slice(0, 6).map((r) => r.id);
    writeFileSync(join(dir, 'changes.yaml'), `changes:\n${ids.map((id, i) => `  - id: "${id}"\n    set: { notes: "token run ${i}", dealValue: ${5000 + i} }\n`).join('')}`);
    expectCode(await run(['plan', 'changes.yaml', '-o', planPath, '--json']), 0);
    expectCode(await run(['show', planPath, '--html', 'review.html']), 0);
    expectCode(await run(['apply', planPath, '--html', join(dir, 'report.html')]), 0);
    expectCode(await run(['apply', planPath, '--json']), 0);
    const rolledBack = await run(['rollback', join(dir, 'p.rollback.json'), '--yes', '--json']);
    expectCode(rolledBack, 0);
    expect(JSON.parse(rolledBack.stdout)).toMatchObject({ kind: 'rollback', counts: { applied: 6 } });

    // migrate a legacy PUT body, then apply the migration plan.
    const target = active[10]!;
    writeFileSync(join(dir, 'put.json'), JSON.stringify({ ...target, name: `${target.name ?? ''} (migrated)` }));
    expectCode(await run(['migrate', 'put.json', '-o', 'migration.json', '--json']), 0);
    expectCode(await run(['apply', 'migration.json', '--json']), 0);

    // A conflict: another user edits a referral between plan and apply (exit 4, --json).
    writeFileSync(join(dir, 'conflict.yaml'), `changes:\n  - id: "${active[12]!.id}"\n    set: { notes: "mine" }\n`);
    expectCode(await run(['plan', 'conflict.yaml', '-o', 'conflict.json']), 0);
    await editBehindTheBack(active[12]!.id);
    const conflict = await run(['apply', 'conflict.json', '--json']);
    expectCode(conflict, 4);
    expect(JSON.parse(conflict.stdout)).toMatchObject({ counts: { conflict: 1 } });

    // Error paths. A server that wants another token: 401 (human, --json, and --debug with its stack).
    const toOther = rotated.env;
    const unauthorised = await run(['plan', 'changes.yaml', '-o', 'never.json'], toOther);
    expectCode(unauthorised, 1);
    expect(unauthorised.stderr).toMatch(/401/);
    expectCode(await run(['export', '-o', 'never.csv', '--json'], toOther), 1);
    const debug = await run(['export', '-o', 'never.csv', '--debug'], toOther);
    expectCode(debug, 1);
    expect(debug.stderr).toMatch(/\n\s+at /); // the stack trace really is there
    // A token command whose token is refused (it is run twice: once more after the 401).
    const plan2 = join(dir, 'q.json');
    await writeTestPlan(plan2, suite.emu.store.all().slice(30), suite.emu.url, { count: 2, tag: 'token-2' });
    const viaCommand = await run(['apply', plan2, '--json', '--token-command', `echo ${TOKEN}-wrong`], { REFPLAN_BASE_URL: suite.emu.url });
    expectCode(viaCommand, 1);
    expect(viaCommand.stderr).toMatch(/401/);
    expectCode(await run(['apply', plan2, '--debug'], { REFPLAN_BASE_URL: suite.emu.url, REFPLAN_TOKEN: `${TOKEN}-wrong` }), 1);
    // Bad flags and a plan made against another API: refused before anything is sent.
    expectCode(await run(['plan', 'changes.yaml', '--rate', 'abc', '--json']), 1);
    expectCode(await run(['apply', plan2, '--frobnicate']), 1);
    const otherApi = await run(['apply', plan2, '--json', '--base-url', 'http://127.0.0.1:9/v1.0'], { REFPLAN_TOKEN: TOKEN });
    expectCode(otherApi, 1);
    expect(otherApi.stderr).toMatch(/made against/);

    for (const r of runs) {
      expect(r.stdout).not.toContain(SECRET_PART);
      expect(r.stderr).not.toContain(SECRET_PART);
    }
    const written = filesUnder(dir);
    for (const suffix of ['.journal.jsonl', '.results.csv', '.rollback.json', '.refplan-baseline.json', 'report.html', 'review.html', 'migration.json']) {
      expect(written.some((f) => f.endsWith(suffix)), suffix).toBe(true);
    }
    for (const f of written) expect(readFileSync(f, 'utf8'), f).not.toContain(SECRET_PART);
  }, 90_000);
});
