import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { writePlan } from '../../src/files/plan-file.js';
import { runCli } from '../helpers/run-cli.js';
import { tempTree } from '../helpers/temp-dir.js';
import { planBody } from './build-plan.js';

/** An empty plan is answered "nothing to apply", without writing a journal, rollback or results file. */
let emu: Awaited<ReturnType<typeof startEmulator>>;
beforeAll(async () => {
  emu = await startEmulator({ generate: 3, randomSeed: 5 });
});
afterAll(async () => {
  await emu.close();
});

describe('refplan apply of an empty plan (built CLI)', () => {
  it('says "nothing to apply", exits 0, sends nothing and writes no file', async () => {
    const dir = tempTree();
    const planPath = join(dir, 'empty.json');
    await writePlan(planPath, planBody([], emu.url));
    const before = emu.stats().requests.total;
    const run = await runCli(['apply', planPath], { env: { REFPLAN_BASE_URL: emu.url, REFPLAN_TOKEN: 'empty-plan-token' } });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/nothing to apply/);
    expect(readdirSync(dir)).toEqual(['empty.json']);
    expect(emu.stats().requests.total).toBe(before);
  });
});
