// Issue 13, "Flags and output do what habit expects": the conventions other CLIs teach, through the built CLI.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { builtCli, repoRoot, runCli } from '../helpers/run-cli.js';
import { tempTree } from '../helpers/temp-dir.js';
import { emulatorForSuite } from '../helpers/emulator-suite.js';

const suite = emulatorForSuite({ generate: 150, randomSeed: 5 }, 'conventions-token');
const active = () => [...suite.emu.store.all()].filter((r) => r.status === 'Active');

describe('single-dash long flags and unknown flags: refused with the flag that was meant', () => {
  it.each([
    [['plan', 'x.csv', '-out=x.json'], "unknown option '-out=x.json': long flags take two dashes", 'did you mean --output=x.json?'],
    [['apply', 'x.json', '-auto-approve'], "unknown option '-auto-approve': long flags take two dashes", 'did you mean --yes?'],
    [['plan', 'x.csv', '-json'], "unknown option '-json': long flags take two dashes", 'did you mean --json?'],
    [['plan', 'x.csv', '--out', 'x.json'], "unknown option '--out'", 'did you mean --output?'],
    [['export', '--filter', 'status=Active'], "unknown option '--filter'", 'did you mean --where?'],
    [['apply', 'x.json', '--force'], "unknown option '--force'", 'did you mean --yes?'],
    [['plan', 'x.csv', '--silent'], "unknown option '--silent'", 'did you mean --quiet?'],
  ])('refplan %j', async (args, message, hint) => {
    const run = await runCli(args);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`refplan: ${message}\n  hint: ${hint}`);
    // Nothing was parsed as `-o ut=x.json`.
    expect(existsSync('ut=x.json')).toBe(false);
  });

  it('short boolean flags together still work (-qy), and a value after a flag is never taken for a flag', async () => {
    const dir = tempTree({ 'c.yaml': `changes:\n  - id: "${active()[0]!.id}"\n    set: { notes: "-json -out" }\n` });
    const run = await runCli(['apply', 'c.yaml', '-qy', '--html', '-report.html'], { cwd: dir, env: suite.env });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(existsSync(join(dir, '-report.html'))).toBe(true);
  });
});

describe('-y, --yes and --auto-approve', () => {
  it('--auto-approve is --yes: change sets apply without asking', async () => {
    const [a, b] = active();
    const dir = tempTree({
      'a.yaml': `changes:\n  - id: "${a!.id}"\n    set: { notes: "auto-approve ${Date.now()}" }\n`,
      'b.yaml': `changes:\n  - id: "${b!.id}"\n    set: { notes: "dash-y ${Date.now()}" }\n`,
    });
    const viaAlias = await runCli(['apply', 'a.yaml', '--auto-approve', '--json'], { cwd: dir, env: suite.env });
    expect(viaAlias.code, viaAlias.stderr).toBe(0);
    expect(JSON.parse(viaAlias.stdout)).toMatchObject({ counts: { applied: 1 } });
    const viaShort = await runCli(['apply', 'b.yaml', '-y', '--json'], { cwd: dir, env: suite.env });
    expect(viaShort.code, viaShort.stderr).toBe(0);
    expect(suite.emu.store.get(b!.id)?.details?.notes).toMatch(/^dash-y /);
  });
});

describe('-o - writes the document to stdout; -o json is refused', () => {
  it('export CSV and YAML to stdout (no file, no baseline), the note on stderr', async () => {
    const dir = tempTree();
    const csv = await runCli(['export', '--where', 'status=Active', '-o', '-'], { cwd: dir, env: suite.env });
    expect(csv.code, csv.stderr).toBe(0);
    expect(csv.stdout.replace(/^\uFEFF/, '').split('\r\n')[0]).toMatch(/^id,eTag,/);
    expect(csv.stdout.split('\r\n').filter((l) => l !== '')).toHaveLength(active().length + 1);
    expect(csv.stderr).toMatch(/Exported \d+ referrals \(csv, \d+ read requests?\) to stdout\. No baseline was written/);
    const yaml = await runCli(['export', '--format', 'yaml', '-o', '-', '--quiet'], { cwd: dir, env: suite.env });
    expect(yaml.code).toBe(0);
    const modeline = /^# yaml-language-server: \$schema=(file:\S+)\n/.exec(yaml.stdout);
    expect(modeline).not.toBeNull();
    expect(existsSync(fileURLToPath(modeline![1]!))).toBe(true);
    expect(yaml.stdout).toMatch(/^changes:$/m);
    expect(yaml.stderr).toBe('');
    expect(existsSync(join(dir, '-'))).toBe(false);
    expect(existsSync(join(dir, 'referrals.csv'))).toBe(false);
  });

  it('plan -o - prints the plan document, which saved by the shell is a valid plan', async () => {
    const [a] = active();
    const dir = tempTree({ 'c.yaml': `changes:\n  - id: "${a!.id}"\n    set: { dealValue: 4321 }\n` });
    const run = await runCli(['plan', 'c.yaml', '-o', '-'], { cwd: dir, env: suite.env });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ kind: 'plan', entries: [{ referralId: a!.id }] });
    expect(run.stderr).toMatch(/Plan printed to stdout: 1 referral to change, 1 read request\./);
    expect(existsSync(join(dir, 'refplan.plan.json'))).toBe(false);
    writeFileSync(join(dir, 'saved.json'), run.stdout);
    const show = await runCli(['show', 'saved.json', '--json'], { cwd: dir, env: suite.env });
    expect(show.code, show.stderr).toBe(0);
  });

  it('migrate -o - prints the plan document and its report on stderr', async () => {
    const [a] = active();
    const body = { ...suite.emu.store.get(a!.id)!, details: { ...suite.emu.store.get(a!.id)!.details, notes: 'migrated to stdout' } };
    const dir = tempTree({ 'put.json': JSON.stringify(body) });
    const run = await runCli(['migrate', 'put.json', '-o', '-'], { cwd: dir, env: suite.env });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ entries: [{ referralId: a!.id }] });
    expect(run.stderr).toMatch(/Read 1 legacy PUT body for 1 referral/);
    expect(existsSync(join(dir, 'migration.plan.json'))).toBe(false);
  });

  it('-o - with --json is refused (two documents on one stdout), as a JSON error', async () => {
    const run = await runCli(['export', '-o', '-', '--json'], { env: suite.env });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(JSON.parse(run.stderr)).toMatchObject({ error: { code: 'usage', message: 'export: -o - and --json both print to stdout' } });
  });

  it.each([
    ['export', ['export', '-o', 'json']],
    ['plan', ['plan', 'c.yaml', '-o', 'table']],
    ['migrate', ['migrate', 'put.json', '--output=yaml']],
  ])('%s refuses a bare format word after -o, with a hint', async (_c, args) => {
    const dir = tempTree();
    const run = await runCli(args, { cwd: dir, env: suite.env });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/-o (json|table|yaml): -o takes a file name, and "\w+" looks like a format\n  hint: give a file with its extension, e\.g\. -o \S+\.\w+.*-o - writes to stdout/);
  });

  it('plan, export and migrate agree: -o is optional, with a default file named in --help', async () => {
    for (const [command, file] of [['plan', 'refplan.plan.json'], ['export', 'referrals.csv'], ['migrate', 'migration.plan.json']] as const) {
      const help = (await runCli([command, '--help'])).stdout;
      expect(help, command).toMatch(new RegExp(`-o, --output <file>\\s+[\\s\\S]*?- for stdout[\\s\\S]*?\\(default:\\s+\\./${file.replace('.', '\\.')}\\)`));
    }
    const dir = tempTree();
    const run = await runCli(['export', '--where', 'status=Active', '--quiet'], { cwd: dir, env: suite.env });
    expect(run.code, run.stderr).toBe(0);
    expect(existsSync(join(dir, 'referrals.csv'))).toBe(true);
    expect(run.stdout).toMatch(/Edit cells, then: refplan plan referrals\.csv/);
  });
});

describe('YAML refplan writes names its schema for editors (yaml-language-server)', () => {
  it('export -o sub/x.yaml: the first line points, relative to the file, at the shipped changeset.schema.json', async () => {
    const dir = tempTree({ 'sub/.keep': '' });
    const run = await runCli(['export', '--where', 'status=Active', '-o', 'sub/x.yaml', '--quiet'], { cwd: dir, env: suite.env });
    expect(run.code, run.stderr).toBe(0);
    const first = readFileSync(join(dir, 'sub', 'x.yaml'), 'utf8').split('\n')[0]!;
    const target = /^# yaml-language-server: \$schema=(\S+)$/.exec(first)?.[1];
    expect(target, first).toBeDefined();
    expect(target).not.toMatch(/^\//);
    const schema = resolve(join(dir, 'sub'), target!);
    expect(schema).toBe(join(repoRoot, 'specs', 'changeset.schema.json'));
    // The file still plans to nothing while unedited.
    const plan = await runCli(['plan', 'sub/x.yaml', '-o', '-', '--detailed-exitcode', '--quiet'], { cwd: dir, env: suite.env });
    expect(plan.code, plan.stderr).toBe(0);
  });

  it('samples/changes.yaml carries the modeline, and package.json exports the schema at a stable path', () => {
    const first = readFileSync(join(repoRoot, 'samples', 'changes.yaml'), 'utf8').split('\n')[0]!;
    expect(first).toBe('# yaml-language-server: $schema=../specs/changeset.schema.json');
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { exports: Record<string, unknown>; files: string[] };
    expect(pkg.exports['./changeset.schema.json']).toBe('./specs/changeset.schema.json');
    expect(pkg.files).toContain('specs');
  });
});

describe('the same placeholder for the same flag everywhere', () => {
  it('every command spells a flag\'s value the same way', async () => {
    const names = ['validate', 'plan', 'show', 'export', 'apply', 'rollback', 'migrate', 'proxy', 'emulator', 'demo'];
    const helps = await Promise.all(names.map((n) => runCli([n, '--help'])));
    const seen = new Map<string, Set<string>>();
    for (const h of helps) {
      for (const m of h.stdout.matchAll(/^ {2}(?:-\w, )?(--[a-z-]+) (<[^>]+>)/gm)) {
        seen.set(m[1]!, (seen.get(m[1]!) ?? new Set()).add(m[2]!));
      }
    }
    expect(seen.size).toBeGreaterThan(15);
    const differing = [...seen].filter(([, p]) => p.size > 1).map(([f, p]) => `${f}: ${[...p].join(' ')}`);
    expect(differing).toEqual([]);
  });
});

describe('colour: --no-color, NO_COLOR, FORCE_COLOR', () => {
  const bad = () => tempTree({ 'bad.yaml': 'changes:\n  - id: 1\n    set: { dealValue: lots }\n' });
  const ansi = /\x1b\[/;
  it('FORCE_COLOR colours even off a TTY; NO_COLOR and --no-color turn it off (the flag wins over FORCE_COLOR)', async () => {
    const dir = bad();
    const forced = await runCli(['validate', 'bad.yaml'], { cwd: dir, env: { NO_COLOR: '', FORCE_COLOR: '1' } });
    expect(forced.stdout).toMatch(ansi);
    const none = await runCli(['validate', 'bad.yaml'], { cwd: dir, env: { NO_COLOR: '1' } });
    expect(none.stdout).not.toMatch(ansi);
    const flag = await runCli(['validate', 'bad.yaml', '--no-color'], { cwd: dir, env: { NO_COLOR: '', FORCE_COLOR: '1' } });
    expect(flag.stdout).not.toMatch(ansi);
    expect(flag.code).toBe(3);
  });
});

describe('ASCII where the console cannot show · → ✓ ✗ ↺', () => {
  it.each([
    ['REFPLAN_ASCII=1', { REFPLAN_ASCII: '1' }],
    ['TERM=dumb', { TERM: 'dumb' }],
    ['a non-UTF-8 locale', { LC_ALL: '', LC_CTYPE: '', LANG: 'en_US.ISO-8859-1' }],
  ])('%s', async (_name, extra) => {
    const dir = tempTree({ 'good.yaml': `changes:\n  - id: "${'0'.repeat(8)}-0000-4000-8000-000000000001"\n    set: { dealValue: 5 }\n`, 'bad.yaml': 'changes:\n  - id: 1\n' });
    const good = await runCli(['validate', 'good.yaml'], { cwd: dir, env: extra });
    expect(good.stdout).toMatch(/^ok 1 change valid/m);
    const bad = await runCli(['validate', 'bad.yaml'], { cwd: dir, env: extra });
    expect(bad.stdout).toMatch(/^x \d+ errors?/m);
    expect(good.stdout + bad.stdout).not.toMatch(/[·→✓✗↺]/);
  });

  it('UTF-8 consoles keep the glyphs, and --json output is never rewritten', async () => {
    const dir = tempTree({ 'good.yaml': `changes:\n  - id: "${'0'.repeat(8)}-0000-4000-8000-000000000001"\n    set: { dealValue: 5, notes: "a → b" }\n` });
    const utf8 = await runCli(['validate', 'good.yaml'], { cwd: dir, env: { LANG: 'en_US.UTF-8', LC_ALL: '', REFPLAN_ASCII: '' } });
    expect(utf8.stdout).toMatch(/^✓ 1 change valid/m);
    const plan = await runCli(['plan', 'good.yaml', '-o', '-'], { cwd: dir, env: { ...suite.env, REFPLAN_ASCII: '1' } });
    expect(plan.stdout).not.toContain('a -> b');
  });
});

describe('help wraps to the terminal, 80 columns when it is not one', () => {
  it('no help line is wider than 80 columns off a TTY, whatever COLUMNS says', async () => {
    const names = ['', 'validate', 'plan', 'show', 'export', 'apply', 'rollback', 'migrate', 'proxy', 'emulator', 'demo'];
    const helps = await Promise.all(names.map((n) => runCli(n === '' ? ['--help'] : [n, '--help'], { env: { COLUMNS: '200' } })));
    for (const [i, h] of helps.entries()) {
      const wide = h.stdout.split('\n').filter((l) => [...l].length > 80);
      expect(wide, names[i]).toEqual([]);
    }
  });
});

describe('piping into a reader that quits early', () => {
  /** Runs the CLI with stdout into a pipe that is closed after the first chunk, like `| head -1`. */
  function firstChunkOnly(args: string[], cwd: string): Promise<{ code: number | null; stderr: string; first: string }> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [builtCli, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      let first = '';
      child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
      child.stdout.once('data', (d: Buffer) => {
        first = d.toString('utf8').split('\n')[0] ?? '';
        child.stdout.destroy();
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stderr, first }));
    });
  }

  it('refplan --help | head -1, and refplan show big.plan.json | head -3: no EPIPE, no stack, exit 0', async () => {
    const help = await firstChunkOnly(['--help'], process.cwd());
    expect(help.first).toMatch(/^Usage: refplan/);
    expect(help.stderr).toBe('');
    expect(help.code).toBe(0);
    const ids = active().slice(0, 40);
    const dir = tempTree({ 'big.yaml': `changes:\n${ids.map((r) => `  - id: "${r.id}"\n    set: { notes: "${'long note '.repeat(200)}" }\n`).join('')}` });
    const plan = await runCli(['plan', 'big.yaml', '-o', 'big.plan.json', '--quiet'], { cwd: dir, env: suite.env });
    expect(plan.code, plan.stderr).toBe(0);
    // Larger than a pipe's buffer (64 KiB), so the writes go on after the reader has gone.
    expect(readFileSync(join(dir, 'big.plan.json'), 'utf8').length).toBeGreaterThan(100_000);
    for (const args of [['show', 'big.plan.json', '--json'], ['show', 'big.plan.json', '--limit', '1000']]) {
      const show = await firstChunkOnly(args, dir);
      expect(show.stderr, args.join(' ')).toBe('');
      expect(show.code, args.join(' ')).toBe(0);
    }
  });
});
