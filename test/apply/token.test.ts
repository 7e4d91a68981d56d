import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { runCli, type CliRun } from '../helpers/run-cli.js';
import { tempTree } from '../helpers/temp-dir.js';
import { writeTestPlan } from './build-plan.js';

/** The token must never reach a file refplan writes or anything it prints, on success and error paths. */
const TOKEN = 'tok-SECRET-7f3a9c1e5b';

type Emulator = Awaited<ReturnType<typeof startEmulator>>;
let emu: Emulator;

beforeAll(async () => {
  // The emulator accepts exactly this token, so the runs below really use it.
  emu = await startEmulator({ generate: 40, randomSeed: 5, token: TOKEN });
});
afterAll(async () => {
  await emu.close();
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe('the token', () => {
  it('appears in no file written and no output of plan/apply/rollback, including errors, --debug and --json', async () => {
    const dir = tempTree();
    const planPath = join(dir, 'p.json');
    const env = { REFPLAN_BASE_URL: emu.url, REFPLAN_TOKEN: TOKEN };
    const runs: CliRun[] = [];
    // plan (the real plan command, reading with the token) → apply → rollback.
    const ids = emu.store.all().filter((r) => r.status === 'Active').slice(0, 6).map((r) => r.id);
    writeFileSync(join(dir, 'changes.yaml'), `changes:\n${ids.map((id, i) => `  - id: "${id}"\n    set: { notes: "token run ${i}", dealValue: ${5000 + i} }\n`).join('')}`);
    const planned = await runCli(['plan', join(dir, 'changes.yaml'), '-o', planPath, '--json'], { env });
    expect(planned.code, planned.stderr).toBe(0);
    runs.push(await runCli(['apply', planPath, '--html', join(dir, 'report.html')], { env }));
    expect(runs[0]!.code, runs[0]!.stderr).toBe(0);
    runs.push(planned);
    runs.push(await runCli(['apply', planPath, '--json'], { env }));
    const rolledBack = await runCli(['rollback', join(dir, 'p.rollback.json'), '--yes', '--json'], { env });
    expect(rolledBack.code, rolledBack.stderr).toBe(0);
    expect(JSON.parse(rolledBack.stdout)).toMatchObject({ kind: 'rollback', counts: { applied: 6 } });
    runs.push(rolledBack);
    // Error paths: a token command printing a token the server refuses (401), --debug stack traces.
    const plan2 = join(dir, 'q.json');
    await writeTestPlan(plan2, emu.store.all().slice(30), emu.url, { count: 2, tag: 'token-2' });
    const viaCommand = await runCli(['apply', plan2, '--json', '--token-command', `echo ${TOKEN}-wrong`], { env: { REFPLAN_BASE_URL: emu.url } });
    expect(viaCommand.code).toBe(1);
    expect(viaCommand.stderr).toMatch(/401/);
    const debug = await runCli(['apply', plan2, '--debug'], { env: { REFPLAN_BASE_URL: emu.url, REFPLAN_TOKEN: `${TOKEN}-wrong` } });
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(/\n\s+at /); // the stack trace really is there
    runs.push(viaCommand, debug);
    // A plan made against another API is refused before anything is sent.
    const otherApi = await runCli(['apply', plan2, '--json', '--base-url', 'http://127.0.0.1:9/v1.0'], { env: { REFPLAN_TOKEN: TOKEN } });
    expect(otherApi.code).toBe(1);
    expect(otherApi.stderr).toMatch(/made against/);
    runs.push(otherApi);

    for (const r of runs) {
      expect(r.stdout).not.toContain('SECRET');
      expect(r.stderr).not.toContain('SECRET');
    }
    const written = filesUnder(dir);
    expect(written.some((f) => f.endsWith('.journal.jsonl'))).toBe(true);
    expect(written.some((f) => f.endsWith('.results.csv'))).toBe(true);
    for (const f of written) expect(readFileSync(f, 'utf8'), f).not.toContain('SECRET');
  });
});
