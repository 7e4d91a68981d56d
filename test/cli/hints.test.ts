import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { writeTestPlan } from '../apply/build-plan.js';
import { runCli } from '../helpers/run-cli.js';
import { tempTree } from '../helpers/temp-dir.js';

/** A hint never suggests a flag that was already passed (built CLI). */
let emu: Awaited<ReturnType<typeof startEmulator>>;
let env: Record<string, string>;
beforeAll(async () => {
  emu = await startEmulator({ generate: 20, randomSeed: 13 });
  env = { REFPLAN_BASE_URL: emu.url, REFPLAN_TOKEN: 'hints-token' };
});
afterAll(async () => {
  await emu.close();
});

describe('hints and the flags in force', () => {
  it('apply --rebase ending in a conflict does not suggest --rebase', async () => {
    const dir = tempTree();
    const planPath = join(dir, 'p.json');
    const editable = emu.store.all().filter((r) => r.status === 'New' || r.status === 'Active');
    const plan = await writeTestPlan(planPath, editable.slice(0, 2), emu.url, { count: 2, tag: 'hints' });
    const victim = plan.entries.find((e) => '/details/notes' in e.before)!;
    const res = await fetch(`${emu.url}/engagements/referrals/${victim.referralId}`, {
      method: 'PATCH',
      headers: { authorization: 'Bearer other', 'content-type': 'application/json' },
      body: JSON.stringify([{ op: 'replace', path: '/details/notes', value: 'their notes' }]),
    });
    expect(res.status).toBeLessThan(300);
    const run = await runCli(['apply', planPath, '--rebase'], { env });
    expect(run.code, run.stderr).toBe(4);
    expect(run.stdout).toMatch(/Conflicts were not overwritten/);
    expect(run.stdout).not.toContain('--rebase');
  });
});
