import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Referral } from '../../src/core/referral.js';
import { runCli, type CliRun } from '../helpers/run-cli.js';
import { tempTree } from '../helpers/temp-dir.js';
import { editSheet } from '../helpers/csv-edit.js';
import { emulatorForSuite } from '../helpers/emulator-suite.js';

/**
 * A referral name (or note, or error message) is typed by someone else. Printed raw, it can clear
 * the screen, set the window title, move the cursor over the "cannot be undone" warning, or forge a
 * line of output. Every command, human and --json, through the built CLI against the emulator:
 * none of these characters may reach stdout or stderr raw.
 */
const HOSTILE = '\x1b[2J\x1b]0;pwned\x07Acme\r\nfake line\x9b1A\u202Eevil<img src=x onerror=alert(1)>';
// ESC, BEL, CR, CSI (C1), RLO, and any other C0 but LF/TAB, DEL, C1, bidi controls.
const RAW = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/u;

const suite = emulatorForSuite({ generate: 30, randomSeed: 11 }, 'tok-hostile-values');
let victims: Referral[];

beforeAll(() => {
  const active = suite.emu.store.all().filter((r) => r.status === 'Active');
  victims = active.slice(0, 4).map((r) => suite.emu.store.commit(r.id, { ...structuredClone(r), name: HOSTILE, details: { ...(r.details ?? {}), notes: HOSTILE } }));
});

function expectClean(r: CliRun, what: string): void {
  const at = (s: string) => {
    const m = RAW.exec(s);
    return m === null ? 'clean' : `U+${m[0].codePointAt(0)!.toString(16).padStart(4, '0')} at ${m.index}: ${JSON.stringify(s.slice(Math.max(0, m.index - 60), m.index + 20))}`;
  };
  expect(at(r.stdout), `${what}: stdout`).toBe('clean');
  expect(at(r.stderr), `${what}: stderr`).toBe('clean');
}

describe('hostile values from the API and from change sets', () => {
  it('reach no terminal raw: validate, plan, show, apply, rollback, migrate and their errors, human and --json', async () => {
    const dir = tempTree();
    const checked: string[] = [];
    const run = async (args: string[], code: number, extraEnv: NodeJS.ProcessEnv = {}): Promise<CliRun> => {
      const r = await runCli(args, { cwd: dir, env: { ...suite.env, ...extraEnv } });
      expect(r.code, `${args.join(' ')}\n${r.stdout}\n${r.stderr}`).toBe(code);
      expectClean(r, args.join(' '));
      checked.push(args[0]!);
      return r;
    };
    const [a, b, c, d] = victims as [Referral, Referral, Referral, Referral];
    const yamlString = (s: string) => JSON.stringify(s); // a YAML double-quoted scalar takes JSON escapes

    // A change set whose values (and an invalid one) carry the controls: validate's diagnostics.
    writeFileSync(join(dir, 'bad.yaml'), `changes:\n  - id: "${a.id}"\n    set: { status: ${yamlString(HOSTILE)}, notes: ${yamlString(HOSTILE)} }\n`);
    await run(['validate', 'bad.yaml'], 3);
    await run(['validate', 'bad.yaml', '--json'], 3);
    // A file name with controls in an error message.
    await run(['validate', `missing${HOSTILE}.yaml`], 3);

    // plan (the referrals' names are the entry labels), show, apply.
    writeFileSync(join(dir, 'changes.yaml'), `changes:\n${[a, b, c].map((r) => `  - id: "${r.id}"\n    set: { notes: ${yamlString(`${HOSTILE} new`)}, dealValue: 1234 }\n`).join('')}  - id: "${d.id}"\n    set: { status: Closed, substatus: Lost, statusReason: ${yamlString(HOSTILE)} }\n`);
    const planned = await run(['plan', 'changes.yaml', '-o', 'p.json'], 0);
    expect(planned.stdout).toContain('\\x1B[2J'); // shown, escaped
    await run(['plan', 'changes.yaml', '--json'], 0);
    const shown = await run(['show', 'p.json'], 0);
    expect(shown.stdout).toContain('\\x1B]0;pwned\\x07Acme\\r\\nfake line');
    await run(['show', 'p.json', '--json'], 0);
    // The HTML report escapes the same values as markup.
    await run(['show', 'p.json', '--html', 'review.html'], 0);
    const html = readFileSync(join(dir, 'review.html'), 'utf8');
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');

    // Someone edits one behind refplan's back (with more controls): apply reports a conflict.
    suite.emu.store.commit(c.id, { ...structuredClone(suite.emu.store.get(c.id)!), details: { ...(suite.emu.store.get(c.id)!.details ?? {}), notes: `${HOSTILE} theirs` } });
    await run(['apply', 'p.json'], 4);
    await run(['apply', 'p.json', '--json'], 4);
    await run(['show', 'p.rollback.json'], 0);
    await run(['rollback', 'p.rollback.json', '--yes'], 0);

    // migrate a legacy PUT body carrying the controls; then the plan it made.
    const current = suite.emu.store.get(b.id)!;
    writeFileSync(join(dir, 'put.json'), JSON.stringify({ ...current, name: `${HOSTILE} migrated`, details: { ...(current.details ?? {}), notes: `${HOSTILE} migrated` } }));
    await run(['migrate', 'put.json', '-o', 'm.json'], 0);
    await run(['migrate', 'put.json', '-o', 'm2.json', '--json'], 0);
    await run(['show', 'm.json'], 0);

    // An API error whose message carries what the client sent: an unknown id with controls.
    writeFileSync(join(dir, 'unknown.yaml'), `changes:\n  - id: ${yamlString(`ref-${HOSTILE}`)}\n    set: { notes: x }\n`);
    const unknown = await run(['plan', 'unknown.yaml', '-o', 'never.json'], 3);
    expect(unknown.stdout + unknown.stderr).toContain('\\x1B[2J');
    await run(['plan', 'unknown.yaml', '-o', 'never.json', '--json'], 3);

    expect(new Set(checked)).toEqual(new Set(['validate', 'plan', 'show', 'apply', 'rollback', 'migrate']));
  }, 120_000);
});

describe('hostile file names from the command line', () => {
  it('are printed escaped in every "wrote FILE" and "see FILE" line: export, plan, show, apply, demo', async () => {
    // ESC, BEL, CR and a C1 CSI in the names refplan is told to write (a Linux file name may hold them).
    const tag = '\x1b]0;pwned\x07\r\x9b1A';
    const dir = tempTree();
    const csv = `x${tag}.csv`;
    const plan = `p${tag}.json`;
    const exported = await runCli(['export', '--where', 'status=Active', '-o', csv], { cwd: dir, env: suite.env });
    expect(exported.code, exported.stderr).toBe(0);
    // An invalid row, so that --skip-invalid writes a rejects file and names it.
    editSheet(join(dir, csv), (_byId, sheet) => {
      const first = sheet.rows[0];
      if (first !== undefined) first['notes'] = 'an edit to apply';
    });
    writeFileSync(join(dir, csv), readFileSync(join(dir, csv), 'utf8') + '00000000-0000-4000-8000-00000000dead,,,,\n');
    const runs: [string, string[]][] = [
      ['export', ['export', '--where', 'status=Active', '-o', csv]],
      ['plan', ['plan', csv, '-o', plan, '--skip-invalid']],
      ['show --html', ['show', plan, '--html', `r${tag}.html`]],
      ['show -o', ['show', plan, '--format', 'csv', '-o', `v${tag}.csv`]],
      ['apply', ['apply', plan, '--yes']],
      ['demo', ['demo', '--dir', join(dir, `demo${tag}`)]],
    ];
    for (const [what, args] of runs) {
      const r = what === 'export' ? exported : await runCli(args, { cwd: dir, env: suite.env });
      expect(r.code, `${what}: ${r.stderr}`).toBeLessThan(6);
      expectClean(r, what);
      expect(r.stdout + r.stderr, what).toContain('\\x1B]0;pwned\\x07\\r\\x9B1A');
    }
  }, 120_000);
});
