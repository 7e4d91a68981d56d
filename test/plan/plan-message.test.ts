import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkPlanMessage } from '../../src/core/plan-purpose.js';
import type { Referral } from '../../src/core/referral.js';
import { runCli } from '../helpers/run-cli.js';
import { tempTree } from '../helpers/temp-dir.js';
import { emulatorForSuite } from '../helpers/emulator-suite.js';
import { csv, isActive, pick } from './plan-helpers.js';

const suite = emulatorForSuite({ generate: 20, randomSeed: 5 }, 'cli-test-token');
let all: Referral[];
beforeAll(() => {
  all = [...suite.emu.store.all()];
});

describe('plan --message records why the plan exists', () => {
  it('is in the plan, covered by its checksum, and the title of show', async () => {
    const [a] = pick(all, isActive) as [Referral];
    const dir = tempTree({ 'c.csv': csv(['id', 'dealValue'], [[a.id, 4321]]) });
    const run = await runCli(['plan', 'c.csv', '-o', 'p.json', '--message', '  Correct deal values after the Q3 review  '], { cwd: dir, env: suite.env });
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Plan [0-9a-f]{12}: Correct deal values after the Q3 review$/m);
    const plan = JSON.parse(readFileSync(join(dir, 'p.json'), 'utf8')) as { message: string };
    expect(plan.message).toBe('Correct deal values after the Q3 review');

    const shown = await runCli(['show', 'p.json'], { cwd: dir });
    expect(shown.stdout.split('\n')[0]).toMatch(/^Plan [0-9a-f]{12}: Correct deal values after the Q3 review$/);

    // The message is sealed like the rest: rewording it after review is an edit.
    writeFileSync(join(dir, 'p.json'), readFileSync(join(dir, 'p.json'), 'utf8').replace('after the Q3 review', 'as agreed by finance'));
    const edited = await runCli(['show', 'p.json'], { cwd: dir });
    expect(edited.code).toBe(3);
    expect(edited.stderr).toContain('the plan was edited or truncated after it was written');
  });

  it('refuses an empty, over-long or multi-line message before reading anything', async () => {
    const [a] = pick(all, isActive) as [Referral];
    const dir = tempTree({ 'c.csv': csv(['id', 'dealValue'], [[a.id, 4321]]) });
    suite.emu.reset();
    const run = await runCli(['plan', 'c.csv', '-m', 'line one\nline two'], { cwd: dir, env: suite.env });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('--message has a control character (U+000A, a line break) at position 9; write it on one line');
    expect(suite.emu.stats().requests.total).toBe(0);
    expect(checkPlanMessage('   ')).toEqual({ ok: false, problem: '--message is empty; say in a few words why this plan exists' });
    expect(checkPlanMessage('x'.repeat(501))).toEqual({ ok: false, problem: '--message is 501 characters; keep it to 500 (a title, not the whole story)' });
    expect(checkPlanMessage('ok \u202Egnp.exe')).toMatchObject({ ok: false });
    expect(checkPlanMessage('株式会社 — Q3')).toEqual({ ok: true, message: '株式会社 — Q3' });
  });
});
