#!/usr/bin/env node
// Hardening: a real full disk. Mounts a small tmpfs (needs root), applies a plan through the
// built CLI against the emulator until the disk fills, frees space, runs the same command
// again, and checks the promises: exit 6 with "disk full: N of M entries settled", no temp
// file and no torn line left, every entry committed exactly once (the emulator's
// commits.byId), a rollback file covering every applied entry, and a rollback that restores
// the starting values. `.ci/run` runs it as root; anyone else gets a clear skip (exit 0).
//
//   npm run build && node scripts/hardening/full-disk.mjs
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync, writeFileSync, unlinkSync, openSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = join(root, 'dist', 'src', 'cli', 'bin.js');
const ENTRIES = 400;

if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
  console.log('full-disk hardening: skipped: mounting a tmpfs needs root (CI runs this as root: bash .ci/run)');
  process.exit(0);
}

const failures = [];
const check = (ok, what) => {
  if (!ok) failures.push(what);
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
};

function startEmulator() {
  const child = spawn(process.execPath, [cli, 'emulator', '--port', '0', '--generate', String(Math.ceil(ENTRIES / 0.55)), '--random-seed', '9'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', (line) => {
      const m = /(http:\/\/\S+\/v1\.0)/.exec(line);
      if (m === null) reject(new Error(`emulator printed no URL: ${line}`));
      else resolve({ child, url: m[1] });
    });
    child.once('exit', (code) => reject(new Error(`emulator exited with ${code}`)));
  });
}

const origin = (url) => new URL(url).origin;
const stats = async (url) => (await fetch(`${origin(url)}/_emulator/stats`)).json();

async function listReferrals(url) {
  const all = [];
  let next = `${url}/engagements/referrals?$top=500`;
  while (next !== undefined) {
    const page = await (await fetch(next, { headers: { authorization: 'Bearer hardening' } })).json();
    all.push(...page.value);
    next = page['@odata.nextLink'];
  }
  return all;
}

function run(args, env) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Fills the file system of `dir` until only about `leave` bytes are free. */
function fill(dir, leave) {
  const path = join(dir, 'filler.bin');
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(4096, 1);
  try {
    for (;;) {
      const { bavail, bsize } = statfsSync(dir);
      if (bavail * bsize <= leave) break;
      writeSync(fd, chunk);
    }
  } finally {
    closeSync(fd);
  }
  return path;
}

const mount = mkdtempSync(join(tmpdir(), 'refplan-full-disk-'));
const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=8m,mode=0700', 'tmpfs', mount], { encoding: 'utf8' });
if (mounted.status !== 0) {
  console.log(`full-disk hardening: FAILED: cannot mount a tmpfs at ${mount}: ${mounted.stderr.trim()}`);
  process.exit(1);
}
let emulator;
try {
  emulator = await startEmulator();
  const { url } = emulator;
  const env = { REFPLAN_BASE_URL: url, REFPLAN_TOKEN: 'hardening-token' };
  const editable = (await listReferrals(url)).filter((r) => r.status === 'New' || r.status === 'Active').slice(0, ENTRIES);
  const start = new Map(editable.map((r) => [r.id, r]));
  const yaml = ['changes:', ...editable.map((r, i) => `  - id: ${r.id}\n    set: { notes: "full disk ${i}", dealValue: ${9000 + i} }`)].join('\n') + '\n';
  writeFileSync(join(mount, 'changes.yaml'), yaml);
  const plan = join(mount, 'changes.plan.json');
  const planned = await run(['plan', join(mount, 'changes.yaml'), '-o', plan], env);
  check(planned.code === 0 || planned.code === 2, `plan writes ${plan} (exit ${planned.code}) ${planned.code === 0 || planned.code === 2 ? '' : planned.stderr}`);

  // About 60 KB free: the journal (two lines per entry) fills the disk part-way through the run.
  const filler = fill(mount, 60 * 1024);
  const full = await run(['apply', plan], env);
  const m = /disk full: (\d+) of (\d+) entries settled; free space and run the same command again/.exec(full.stderr);
  check(full.code === 6, `apply on the full disk exits 6 (got ${full.code})`);
  check(m !== null, `it says "disk full: N of M entries settled; free space and run the same command again"${m === null ? `; stderr: ${full.stderr.slice(0, 600)}` : ` (${m[1]} of ${m[2]})`}`);
  if (m !== null) check(Number(m[1]) > 0 && Number(m[1]) < ENTRIES && Number(m[2]) === ENTRIES, 'the disk filled part-way through the run');
  const files = readdirSync(mount);
  check(!files.some((f) => f.endsWith('.tmp')), `no temp file left behind (${files.join(', ')})`);
  const journal = readFileSync(join(mount, 'changes.plan.journal.jsonl'), 'utf8');
  check(journal.endsWith('\n'), 'the journal ends with a complete line (a torn one was cut off)');
  const sentBefore = (await stats(url)).commits.total;

  unlinkSync(filler);
  const resumed = await run(['apply', plan, '--json'], env);
  check(resumed.code === 0, `after freeing space, the same command finishes (exit ${resumed.code}) ${resumed.code === 0 ? '' : resumed.stderr.slice(0, 600)}`);
  const after = await stats(url);
  const once = editable.every((r) => after.commits.byId[r.id] === 1);
  check(once, `every entry committed exactly once (${after.commits.total} commits for ${ENTRIES} entries; ${sentBefore} before the resume)`);
  const rollbackPath = join(mount, 'changes.plan.rollback.json');
  const rollback = JSON.parse(readFileSync(rollbackPath, 'utf8'));
  check(rollback.entries.length + (rollback.notRestorable ?? []).length === ENTRIES, `the rollback file covers every applied entry (${rollback.entries.length} of ${ENTRIES})`);

  const undone = await run(['rollback', rollbackPath, '--yes'], env);
  check(undone.code === 0, `rollback restores them (exit ${undone.code}) ${undone.code === 0 ? '' : undone.stderr.slice(0, 600)}`);
  const now = new Map((await listReferrals(url)).map((r) => [r.id, r]));
  const restored = editable.every((r) => (now.get(r.id).details?.notes ?? null) === (start.get(r.id).details?.notes ?? null) && (now.get(r.id).details?.dealValue ?? null) === (start.get(r.id).details?.dealValue ?? null));
  check(restored, 'every referral holds its starting notes and deal value again');
} catch (e) {
  failures.push(String(e));
  console.log(`FAIL ${e instanceof Error ? e.stack : String(e)}`);
} finally {
  emulator?.child.kill('SIGTERM');
  spawnSync('umount', [mount]);
  rmSync(mount, { recursive: true, force: true });
}
console.log(failures.length === 0 ? 'full-disk hardening: passed' : `full-disk hardening: ${failures.length} check(s) failed`);
process.exit(failures.length === 0 ? 0 : 1);
