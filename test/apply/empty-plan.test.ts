import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writePlan } from '../../src/files/plan-file.js';
import { runCli } from '../helpers/run-cli.js';
import { tempTree } from '../helpers/temp-dir.js';
import { emulatorForSuite } from '../helpers/emulator-suite.js';
import { planBody } from './build-plan.js';

/** An empty plan is answered "nothing to apply", without writing a journal, rollback or results file. */
const suite = emulatorForSuite({ generate: 3, randomSeed: 5 }, 'empty-plan-token');

describe('refplan apply of an empty plan (built CLI)', () => {
  it('says "nothing to apply", exits 0, sends nothing and writes no file', async () => {
    const dir = tempTree();
    const planPath = join(dir, 'empty.json');
    await writePlan(planPath, planBody([], suite.emu.url));
    const before = suite.emu.stats().requests.total;
    const run = await runCli(['apply', planPath], { env: suite.env });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/nothing to apply/);
    expect(readdirSync(dir)).toEqual(['empty.json']);
    expect(suite.emu.stats().requests.total).toBe(before);
  });
});
