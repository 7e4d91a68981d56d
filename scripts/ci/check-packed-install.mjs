#!/usr/bin/env node
// The package as users get it: `npm pack`, then a global install of the tarball (into a scratch
// prefix) from an empty folder, with no dev dependencies. `refplan --help`, `refplan demo` and
// `refplan emulator` must work there, npm must print no warning about install scripts, and the
// change-set schema must sit at its stable, exported path. Run from the repo after `npm ci`.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
const scratch = mkdtempSync(join(tmpdir(), 'refplan-packed-'));
const fail = (message) => {
  console.error(`check-packed-install: ${message}`);
  process.exit(1);
};
const run = (cmd, args, cwd) => {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', npm_config_loglevel: 'warn' } });
  } catch (e) {
    fail(`${cmd} ${args.join(' ')} failed (exit ${e.status}):\n${e.stdout}\n${e.stderr}`);
  }
};

execFileSync('npm', ['pack', '--silent', '--pack-destination', scratch], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
const tarball = readdirSync(scratch).find((f) => f.endsWith('.tgz'));
if (tarball === undefined) fail('npm pack wrote no tarball');
const prefix = join(scratch, 'global');
const empty = join(scratch, 'empty');
execFileSync('mkdir', ['-p', empty]);
let installLog;
try {
  installLog = execFileSync('npm', ['install', '--global', '--prefix', prefix, '--no-audit', '--no-fund', join(scratch, tarball)], {
    cwd: empty,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
} catch (e) {
  fail(`npm install -g failed:\n${e.stdout}\n${e.stderr}`);
}
if (/script/i.test(installLog ?? '')) fail(`npm warned about install scripts:\n${installLog}`);
const pkgDir = join(prefix, 'lib', 'node_modules', 'refplan');
const bin = join(prefix, 'bin', 'refplan');
if (existsSync(join(pkgDir, 'node_modules', 'typescript')) || existsSync(join(pkgDir, 'node_modules', 'vitest'))) fail('dev dependencies were installed');
const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
if (pkg.exports['./changeset.schema.json'] !== './specs/changeset.schema.json' || !existsSync(join(pkgDir, 'specs', 'changeset.schema.json'))) {
  fail('specs/changeset.schema.json is not shipped at its exported path');
}

const help = run(bin, ['--help'], empty);
if (!help.startsWith('Usage: refplan')) fail(`refplan --help printed:\n${help}`);
const demo = run(bin, ['demo', '--referrals', '40', '--dir', join(scratch, 'demo')], empty);
if (!/── Done/.test(demo)) fail(`refplan demo did not finish:\n${demo}`);
if (/samples\/mistakes\.csv/.test(demo)) fail('refplan demo suggests samples/mistakes.csv, which is not in this folder');
if (readdirSync(empty).length !== 0) fail(`refplan demo --dir wrote into the current folder: ${readdirSync(empty).join(', ')}`);

// The emulator: its first line names the URL; it answers; SIGTERM stops it with exit 0.
await new Promise((done) => {
  const child = spawn(bin, ['emulator', '--port', '0', '--generate', '5'], { cwd: empty, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const timer = setTimeout(() => {
    child.kill('SIGKILL');
    fail(`refplan emulator did not start:\n${out}`);
  }, 30_000);
  child.stdout.setEncoding('utf8').on('data', async (d) => {
    out += d;
    const url = /listening on (\S+)/.exec(out)?.[1];
    if (url === undefined || child.killed) return;
    const res = await fetch(`${url}/engagements/referrals?$top=1`, { headers: { authorization: 'Bearer x' } });
    if (res.status !== 200) fail(`the emulator answered ${res.status}`);
    child.kill('SIGTERM');
  });
  child.on('exit', (code) => {
    clearTimeout(timer);
    if (code !== 0) fail(`refplan emulator exited ${code} on SIGTERM`);
    done();
  });
});
console.log(`check-packed-install: ok (${tarball}: --help, demo and emulator work from a global install without dev dependencies)`);
