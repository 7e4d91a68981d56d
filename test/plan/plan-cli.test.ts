import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Referral } from '../../src/core/referral.js';
import { runCli } from '../helpers/run-cli.js';
import { tempTree } from '../helpers/temp-dir.js';
import { emulatorForSuite } from '../helpers/emulator-suite.js';
import { csv, isActive, isClosedAs, isNew, pick } from './plan-helpers.js';

// The built CLI against one emulator; exit codes are what scripts rely on.
const suite = emulatorForSuite({ generate: 400, randomSeed: 11 }, 'cli-test-token');
let all: Referral[];
beforeAll(() => {
  all = [...suite.emu.store.all()];
});

const plan = (args: string[], cwd: string) => runCli(['plan', ...args], { cwd, env: suite.env });
const noWrites = () => {
  const m = suite.emu.stats().requests.byMethod;
  expect((m['PATCH'] ?? 0) + (m['PUT'] ?? 0) + (m['POST'] ?? 0)).toBe(0);
};

describe('forbidden moves fail closed: exit 3, the row named, no plan file, no write', () => {
  it('refused by the server-state rules: Closed → Active, Active → New, an edit of a Won referral', async () => {
    const [lost] = pick(all, isClosedAs('Lost')) as [Referral];
    const [active] = pick(all, isActive) as [Referral];
    const [won] = pick(all, isClosedAs('Won')) as [Referral];
    const dir = tempTree({
      'bad.csv': csv(
        ['id', 'status', 'substatus', 'dealValue'],
        [
          [lost.id, 'Active', 'Accepted', ''],
          [active.id, 'New', 'Pending', ''],
          [won.id, '', '', '5000'],
        ],
      ),
    });
    const run = await plan(['bad.csv', '-o', 'p.json'], dir);
    expect(run.code).toBe(3);
    for (const row of [2, 3, 4]) expect(run.stderr).toMatch(new RegExp(`bad\\.csv: row ${row}\\b`));
    expect(run.stderr).toContain(lost.id);
    expect(existsSync(join(dir, 'p.json'))).toBe(false);
    noWrites();
  });

  it('refused offline, before any read: setting Expired, Lost without a reason', async () => {
    const [a, b] = pick(all, isActive, 2) as [Referral, Referral];
    const dir = tempTree({
      'bad.yaml': `changes:\n  - id: "${a.id}"\n    set: { status: Closed, substatus: Expired }\n  - id: "${b.id}"\n    close: lost\n`,
    });
    suite.emu.reset();
    const run = await plan(['bad.yaml'], dir);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/bad\.yaml:3:\d+/);
    expect(run.stderr).toMatch(/bad\.yaml:[45]:\d+/);
    expect(run.stderr).toMatch(/nothing was read/);
    expect(suite.emu.stats().requests.total).toBe(0);
    expect(existsSync(join(dir, 'refplan.plan.json'))).toBe(false);
  });
});

describe('--skip-invalid, --max-changes, --detailed-exitcode', () => {
  it('--skip-invalid plans the valid rows and writes a rejects CSV naming the others', async () => {
    const [good] = pick(all, isActive) as [Referral];
    const [closed] = pick(all, isClosedAs('Won')) as [Referral];
    const dir = tempTree({
      'mixed.csv': csv(['id', 'notes', 'dealValue'], [
        [good.id, 'Call scheduled', ''],
        [closed.id, 'too late', ''],
        ['00000000-0000-4000-8000-00000000dead', 'nobody', ''],
        [good.id.replace(/^./, '0'), '', 'lots'],
      ]),
    });
    const run = await plan(['mixed.csv', '-o', 'p.json', '--skip-invalid', '--json'], dir);
    expect(run.code).toBe(0);
    const written = JSON.parse(run.stdout) as { entries: { referralId: string }[] };
    expect(written.entries.map((e) => e.referralId)).toEqual([good.id]);
    const rejectsPath = join(dir, 'p.rejects.csv');
    expect(statSync(rejectsPath).mode & 0o777).toBe(0o600);
    const rejects = readFileSync(rejectsPath, 'utf8');
    expect(rejects.charCodeAt(0)).toBe(0xfeff);
    const lines = rejects.trim().split(/\r\n/);
    expect(lines).toHaveLength(4);
    expect(lines[1]).toContain('row 3');
    expect(lines[1]).toContain(closed.id);
    expect(lines[2]).toContain('row 4');
    // Offline (validation) rejects are listed too, with the column.
    expect(lines[3]).toMatch(/row 5,dealValue/);
    expect(run.stderr).toMatch(/3 changes rejected/);
    noWrites();
  });

  it('--skip-invalid refuses a file that cannot be parsed: exit 3, nothing written, the error where it opens', async () => {
    const [a, b] = pick(all, isActive, 2) as [Referral, Referral];
    const cases = [
      { file: 'broken.yaml', text: `changes:\n  - id: "${a.id}"\n    set: { dealValue: 5\n  - id: "${b.id}"\n    set:\n      notes: hi\n`, at: /broken\.yaml:3:10: error: YAML syntax: the \{ opened here is never closed/ },
      { file: 'shape.yaml', text: `chnages:\n  - id: "${a.id}"\n    set: { notes: x }\n`, at: /shape\.yaml:1:1: error: unknown key "chnages"/ },
      { file: 'quote.csv', text: `id,notes\n${a.id},"never closed\n${b.id},fine\n`, at: /quote\.csv: row 2: error: a quoted cell that starts in this row is never closed/ },
      { file: 'header.csv', text: `id,nots\n${a.id},x\n`, at: /header\.csv: row 1, column "nots": error: unknown column "nots"/ },
    ];
    for (const c of cases) {
      const dir = tempTree({ [c.file]: c.text });
      suite.emu.reset();
      const run = await plan([c.file, '--skip-invalid', '-o', 'p.json'], dir);
      expect(run.code, `${c.file}: ${run.stderr}`).toBe(3);
      expect(run.stderr).toMatch(c.at);
      expect(run.stderr).toMatch(/hint: .*--skip-invalid skips invalid rows, not broken files/);
      expect(existsSync(join(dir, 'p.json')), c.file).toBe(false);
      expect(existsSync(join(dir, 'p.rejects.csv')), c.file).toBe(false);
      expect(suite.emu.stats().requests.total, c.file).toBe(0);
    }
  });

  it('--max-changes refuses a plan that would change more referrals, saying how many', async () => {
    const news = all.filter(isNew).length;
    const dir = tempTree({ 'wide.yaml': 'changes:\n  - where: { status: New }\n    set: { notes: "triage" }\n' });
    const run = await plan(['wide.yaml', '--max-changes', '3'], dir);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(new RegExp(`would change ${news} referrals`));
    expect(run.stderr).toMatch(/--max-changes 3/);
    expect(existsSync(join(dir, 'refplan.plan.json'))).toBe(false);
    const ok = await plan(['wide.yaml', '--max-changes', String(news)], dir);
    expect(ok.code).toBe(0);
  });

  it('--detailed-exitcode: 0 no changes, 2 changes, 3 invalid, 1 operational error', async () => {
    const [r] = pick(all, (x) => isActive(x) && typeof x.details?.notes === 'string') as [Referral];
    const dir = tempTree({
      'same.csv': csv(['id', 'notes'], [[r.id, r.details?.notes as string]]),
      'change.csv': csv(['id', 'notes'], [[r.id, 'new note']]),
      'invalid.csv': csv(['id', 'dealValu'], [[r.id, '1']]),
    });
    expect((await plan(['same.csv', '--detailed-exitcode'], dir)).code).toBe(0);
    const changed = await plan(['change.csv', '--detailed-exitcode'], dir);
    expect(changed.code).toBe(2);
    expect(changed.stdout).toMatch(/Plan written to .*refplan\.plan\.json/);
    expect((await plan(['invalid.csv', '--detailed-exitcode'], dir)).code).toBe(3);
    // No token anywhere: an operational error, not a verdict on the change set.
    const noToken = await runCli(['plan', 'change.csv', '--detailed-exitcode', '--base-url', suite.emu.url], { cwd: dir, env: { REFPLAN_TOKEN: '' } });
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toMatch(/REFPLAN_TOKEN/);
    noWrites();
  });

  it('show refuses a plan file edited by hand', async () => {
    const [r] = pick(all, isActive) as [Referral];
    const dir = tempTree({ 'c.csv': csv(['id', 'dealValue'], [[r.id, '4242']]) });
    expect((await plan(['c.csv', '-o', 'p.json'], dir)).code).toBe(0);
    const path = join(dir, 'p.json');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const shown = await runCli(['show', path], { cwd: dir });
    expect(shown.code).toBe(0);
    writeFileSync(path, readFileSync(path, 'utf8').replace('4242', '424200'));
    const refused = await runCli(['show', path], { cwd: dir });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/checksum|edited/i);
  });
});
