import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Referral } from '../../src/core/referral.js';
import { runCli } from '../helpers/run-cli.js';
import { tempTree } from '../helpers/temp-dir.js';
import { emulatorForSuite } from '../helpers/emulator-suite.js';

// A where selects a set, and a re-plan after apply converges to "No changes" (exit 0).
const suite = emulatorForSuite({ generate: 60, randomSeed: 23 }, 'where-set-token');

interface PlanJson {
  entries: { referralId: string }[];
  settled?: { referralId: string; reason: string; state?: string }[];
  summary: { unchanged?: number; terminal?: Record<string, number> };
}
const country = (r: Referral) => (r.customerProfile as { address?: { country?: string } }).address?.country;

/** The country with the most referrals that has both Closed and New ones. */
function pickCountry(): { code: string; members: Referral[] } {
  const by = new Map<string, Referral[]>();
  for (const r of suite.emu.store.all()) by.set(country(r) ?? '', [...(by.get(country(r) ?? '') ?? []), r]);
  const fit = [...by].filter(([, rs]) => rs.some((r) => r.status === 'Closed') && rs.some((r) => r.status === 'New'));
  fit.sort((a, b) => b[1].length - a[1].length);
  const [code, members] = fit[0]!;
  return { code, members };
}

describe('a where selects a set', () => {
  let dir = '';
  let code = '';
  let members: Referral[] = [];
  let closed: Referral[] = [];
  let open: Referral[] = [];
  beforeAll(() => {
    ({ code, members } = pickCountry());
    closed = members.filter((r) => r.status === 'Closed');
    open = members.filter((r) => r.status !== 'Closed');
    expect(members.some((r) => r.status === 'New')).toBe(true);
    dir = mkdtempSync(join(tmpdir(), 'refplan-where-set-'));
    writeFileSync(join(dir, 'c.yaml'), [
        'changes:',
        `  - where: { customerProfile/address/country: ${code} }`,
        '    set: { notes: "Regional review 2027" }',
        `  - where: { customerProfile/address/country: ${code}, status: New }`,
        '    accept: true',
        '',
      ].join('\n'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('leaves out the terminal members, counted in the human, JSON and HTML views', async () => {
    const first = await runCli(['plan', 'c.yaml', '-o', 'c.plan.json', '--detailed-exitcode'], { cwd: dir, env: suite.env });
    expect(first.code, first.stderr).toBe(2);
    expect(first.stdout).toContain(`${closed.length} matched referral${closed.length === 1 ? ' is Closed and is left as it is' : 's are Closed and are left as they are'}.`);
    expect(first.stderr).toContain(`c.yaml:2:5: note: the selector matched ${members.length} referrals: ${closed.length}`);
    expect(first.stderr).not.toMatch(/error/);
    const plan = JSON.parse(readFileSync(join(dir, 'c.plan.json'), 'utf8')) as PlanJson;
    expect(plan.entries.map((e) => e.referralId).sort()).toEqual(open.map((r) => r.id).sort());
    expect(plan.summary.terminal).toEqual({ Closed: closed.length });
    expect(plan.settled?.filter((s) => s.reason === 'terminal').map((s) => s.referralId).sort()).toEqual(closed.map((r) => r.id).sort());
    const html = await runCli(['show', 'c.plan.json', '--html', 'c.html'], { cwd: dir });
    expect(html.code, html.stderr).toBe(0);
    expect(readFileSync(join(dir, 'c.html'), 'utf8')).toContain(`are Closed and are left as they are.</p>`);
  });

  it('after apply, the same change set plans to "No changes" (exit 0 under --detailed-exitcode), the done where told apart', async () => {
    const commitsBefore = suite.emu.stats().commits.total;
    const apply = await runCli(['apply', 'c.plan.json', '--yes'], { cwd: dir, env: suite.env });
    expect(apply.code, apply.stderr).toBe(0);
    expect(suite.emu.stats().commits.total - commitsBefore).toBe(open.length);
    // The second where matches no New referral now, because it was applied.
    const again = await runCli(['plan', 'c.yaml', '-o', 'c2.plan.json', '--detailed-exitcode'], { cwd: dir, env: suite.env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('No changes');
    expect(again.stdout).toContain(`${open.length} already hold these values.`);
    expect(again.stderr).toContain(`c.yaml:4:5: note: the selector matches no referral now, and ${open.length} referrals already hold what it sets: already applied`);
  });

  it('the converged plan accounts for every member in JSON: in place or terminal', async () => {
    const json = await runCli(['plan', 'c.yaml', '-o', 'c3.plan.json', '--json', '--detailed-exitcode'], { cwd: dir, env: suite.env });
    expect(json.code, json.stderr).toBe(0);
    const converged = JSON.parse(json.stdout) as PlanJson;
    expect(converged.entries).toEqual([]);
    const accounted = new Set(converged.settled?.map((s) => s.referralId));
    for (const r of members) expect(accounted.has(r.id), r.id).toBe(true);
    expect(converged.summary.unchanged).toBe(open.length);
  });

  it('a selector that matches nothing at all is still an error (exit 3) unless allowNone', async () => {
    writeFileSync(join(dir, 'typo.yaml'), ['changes:', '  - where: { customerProfile/address/country: ZZ, status: New }', '    accept: true', ''].join('\n'));
    const typo = await runCli(['plan', 'typo.yaml', '-o', 't.plan.json', '--detailed-exitcode'], { cwd: dir, env: suite.env });
    expect(typo.code).toBe(3);
    expect(typo.stderr).toContain('typo.yaml:2:5: error: the selector matches no referral');
    writeFileSync(join(dir, 'none.yaml'), ['changes:', '  - where: { customerProfile/address/country: ZZ, status: New }', '    accept: true', '    allowNone: true', ''].join('\n'));
    const allowed = await runCli(['plan', 'none.yaml', '-o', 'n.plan.json', '--detailed-exitcode'], { cwd: dir, env: suite.env });
    expect(allowed.code, allowed.stderr).toBe(0);
  });
});

describe('explicit selectors', () => {
  it('an id that names a terminal referral stays an error (it was explicit)', async () => {
    const closed = suite.emu.store.all().find((r) => r.status === 'Closed')!;
    const dir = tempTree({ 'id.yaml': `changes:\n  - id: "${closed.id}"\n    set: { notes: "too late" }\n` });
    const run = await runCli(['plan', 'id.yaml'], { cwd: dir, env: suite.env });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/terminal state/);
  });
});
