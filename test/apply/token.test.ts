import { readdirSync, readFileSync, statSync } from 'node:fs';
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
  it('appears in no file written and no output of apply/rollback, including errors and --json', async () => {
    const dir = tempTree();
    const planPath = join(dir, 'p.json');
    await writeTestPlan(planPath, emu.store.all(), emu.url, { count: 8, closeEvery: 4, tag: 'token' });
    const env = { REFPLAN_BASE_URL: emu.url, REFPLAN_TOKEN: TOKEN };
    const runs: CliRun[] = [];
    runs.push(await runCli(['apply', planPath, '--html', join(dir, 'report.html')], { env }));
    expect(runs[0]!.code, runs[0]!.stderr).toBe(0);
    runs.push(await runCli(['apply', planPath, '--json'], { env }));
    runs.push(await runCli(['rollback', join(dir, 'p.rollback.json'), '--yes', '--json'], { env }));
    expect(runs[2]!.code, runs[2]!.stderr).toBe(0);
    // Error paths: a token command printing a token the server refuses (401), --debug stack traces.
    const plan2 = join(dir, 'q.json');
    await writeTestPlan(plan2, emu.store.all().slice(30), emu.url, { count: 2, tag: 'token-2' });
    runs.push(await runCli(['apply', plan2, '--json', '--token-command', `echo ${TOKEN}-wrong`], { env: { REFPLAN_BASE_URL: emu.url } }));
    expect(runs[3]!.code).not.toBe(0);
    runs.push(await runCli(['apply', plan2, '--debug'], { env: { REFPLAN_BASE_URL: emu.url, REFPLAN_TOKEN: `${TOKEN}-wrong` } }));
    expect(runs[4]!.code).not.toBe(0);
    // A plan made against another API is refused before anything is sent.
    runs.push(await runCli(['apply', plan2, '--json', '--base-url', 'http://127.0.0.1:9/v1.0'], { env: { REFPLAN_TOKEN: TOKEN } }));
    expect(runs[5]!.code).toBe(1);
    expect(runs[5]!.stderr).toMatch(/made against/);

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
