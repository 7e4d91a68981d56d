import { execFileSync, spawn } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { acquireLock, isProcessAlive, LockedError, lockPathFor, STALE_AFTER_MS } from '../../src/files/lock-file.js';
import { judgeLocalHolder, parseProcStat, processIdentity, readProcessStat } from '../../src/files/process-identity.js';
import { tempTree } from '../helpers/temp-dir.js';

const SUM = 'c'.repeat(64);

describe('lock file', () => {
  it('is named after the plan, created 0600 with pid, host and start time, and released', () => {
    const dir = tempTree();
    const path = lockPathFor(join(dir, 'p.json'));
    expect(path).toBe(join(dir, 'p.lock'));
    const lock = acquireLock(path, SUM);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const info = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    expect(info).toMatchObject({ pid: process.pid, host: hostname(), planChecksum: SUM });
    expect(typeof info['startedAt']).toBe('string');
    lock.release();
    expect(existsSync(path)).toBe(false);
  });

  it('refuses a second holder while the first lives', () => {
    const dir = tempTree();
    const path = join(dir, 'p.lock');
    const first = acquireLock(path, SUM);
    let error: unknown;
    try {
      acquireLock(path, SUM);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LockedError);
    expect((error as Error).message).toContain(`already being applied by process ${process.pid}`);
    first.release();
    acquireLock(path, SUM).release();
  });

  it('takes over a lock whose process is dead, with a message', () => {
    const dir = tempTree();
    const path = join(dir, 'p.lock');
    writeFileSync(path, JSON.stringify({ pid: 999_999_999, host: hostname(), startedAt: '2026-01-01T00:00:00.000Z', planChecksum: SUM }));
    expect(isProcessAlive(999_999_999)).toBe(false);
    const lock = acquireLock(path, SUM);
    expect(lock.tookOver).toMatch(/process 999999999 .* is no longer running/);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ pid: process.pid });
    lock.release();
  });

  it('takes over an unreadable (half-written) lock', () => {
    const dir = tempTree({ 'p.lock': '{"pid":12' });
    const lock = acquireLock(join(dir, 'p.lock'), SUM);
    expect(lock.tookOver).toMatch(/unreadable/);
    lock.release();
  });

  it('refuses a lock from another machine while its heartbeat is fresh, and takes it over once stale', () => {
    const dir = tempTree();
    const path = join(dir, 'p.lock');
    const t0 = Date.parse('2026-03-01T10:00:00.000Z');
    let holderClock = t0;
    const at = (ms: number) => () => new Date(t0 + ms);
    // The holder on host "elsewhere" (injected); its timer is off and refresh() stands for it.
    const lost: string[] = [];
    const holder = acquireLock(path, SUM, { host: 'elsewhere', now: () => new Date(holderClock), heartbeatMs: 0, onLost: (m) => lost.push(m) });
    expect(() => acquireLock(path, SUM, { now: at(STALE_AFTER_MS - 1000) })).toThrow(/another machine \(elsewhere, pid \d+.*refreshed 59 s ago/);
    // It keeps running: a heartbeat 50 s in keeps the lock alive past t0 + the timeout.
    holderClock = t0 + 50_000;
    holder.refresh();
    const refreshed = JSON.parse(readFileSync(path, 'utf8')) as { heartbeatAt: string; startedAt: string };
    expect(refreshed).toMatchObject({ startedAt: new Date(t0).toISOString(), heartbeatAt: new Date(t0 + 50_000).toISOString() });
    let refusal: unknown;
    try {
      acquireLock(path, SUM, { now: at(STALE_AFTER_MS + 20_000) });
    } catch (e) {
      refusal = e;
    }
    expect(refusal).toBeInstanceOf(LockedError);
    expect((refusal as LockedError).message).toMatch(/refreshed 30 s ago/);
    expect((refusal as LockedError).hint).toContain(`after ${new Date(t0 + 50_000 + STALE_AFTER_MS).toISOString()}`);
    // Once the heartbeat is older than the timeout the holder is provably over: taken over, said so.
    const taker = acquireLock(path, SUM, { now: at(50_000 + STALE_AFTER_MS + 5000) });
    expect(taker.tookOver).toMatch(/held on another machine \(elsewhere, pid \d+, started 2026-03-01T10:00:00.000Z\), which has not refreshed it for 65 s/);
    // The old holder's next heartbeat does not write over the new holder's lock, and tells it to stop.
    expect(lost).toEqual([]);
    holder.refresh();
    holder.refresh();
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ host: hostname(), startedAt: taker.info.startedAt });
    expect(lost).toEqual([`${path}: this run's lock was taken over by another apply (its heartbeat had not been refreshed for over 60 s)`]);
    holder.release();
    expect(existsSync(path)).toBe(true);
    taker.release();
    expect(existsSync(path)).toBe(false);
  });

  it('judges a lock of older refplan versions (no heartbeat) from another machine by its start time', () => {
    const dir = tempTree();
    const path = join(dir, 'p.lock');
    writeFileSync(path, JSON.stringify({ pid: 1, host: 'elsewhere', startedAt: '2026-01-01T00:00:00.000Z', planChecksum: SUM }));
    const lock = acquireLock(path, SUM);
    expect(lock.tookOver).toMatch(/another machine \(elsewhere, pid 1/);
    lock.release();
  });

  it('records start time, boot id and pid namespace, and refreshes its heartbeat by itself', async () => {
    const dir = tempTree();
    const path = join(dir, 'p.lock');
    const lock = acquireLock(path, SUM, { heartbeatMs: 20 });
    const first = JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>;
    expect(first['procStart']).toBe(parseProcStat(readFileSync('/proc/self/stat', 'utf8'))!.startTicks);
    expect(first['bootId']).toBe(readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
    expect(first['pidNs']).toMatch(/^pid:\[\d+\]$/);
    await new Promise((r) => setTimeout(r, 120));
    const later = JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>;
    expect(Date.parse(later['heartbeatAt']!)).toBeGreaterThan(Date.parse(first['heartbeatAt']!));
    expect(later['startedAt']).toBe(first['startedAt']);
    expect((statSync(path).mode & 0o777).toString(8)).toBe('600');
    lock.release();
    expect(existsSync(path)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('takes over a lock whose holder is a zombie (exited, not reaped by its parent)', async () => {
    // `sleep 0` exits at once; its parent (the shell, exec'd into `sleep 600`) never reaps it. The
    // parent must outlive the test however slow the machine is: once it exits, init reaps the
    // zombie and the pid is simply free (a 5 s parent made this test fail under load).
    const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 600'], { stdio: ['ignore', 'pipe', 'ignore'] });
    onTestFinished(() => void parent.kill('SIGKILL'));
    const zombie = Number(await new Promise<string>((r) => parent.stdout.once('data', (d: Buffer) => r(d.toString()))));
    // No count of tries: how long `sleep 0` takes to exit depends on the load; the test's timeout bounds the wait.
    while (readProcessStat(zombie)?.state !== 'Z') await new Promise((r) => setTimeout(r, 10));
    expect(readProcessStat(zombie)?.state).toBe('Z');
    expect(isProcessAlive(zombie)).toBe(true); // what the old check went by
    const dir = tempTree();
    const path = join(dir, 'p.lock');
    writeFileSync(path, JSON.stringify({ ...processIdentity(zombie), pid: zombie, host: hostname(), startedAt: '2026-01-01T00:00:00.000Z', heartbeatAt: new Date().toISOString(), planChecksum: SUM }));
    const lock = acquireLock(path, SUM);
    expect(lock.tookOver).toMatch(new RegExp(`process ${zombie} .* is no longer running \\(it has exited; its pid is a zombie`));
    lock.release();
  });

  it('takes over a lock whose pid now belongs to another process, and refuses while the recorded process runs', () => {
    const dir = tempTree();
    const path = join(dir, 'p.lock');
    const other = process.ppid; // alive, and not the holder the lock names
    const real = processIdentity(other);
    expect(real.procStart).toMatch(/^\d+$/);
    const lockOf = (procStart: string) => JSON.stringify({ ...real, procStart, pid: other, host: hostname(), startedAt: '2026-01-01T00:00:00.000Z', heartbeatAt: new Date().toISOString(), planChecksum: SUM });
    writeFileSync(path, lockOf(real.procStart!));
    expect(() => acquireLock(path, SUM)).toThrow(new RegExp(`already being applied by process ${other}`));
    writeFileSync(path, lockOf(String(Number(real.procStart) + 1)));
    const lock = acquireLock(path, SUM);
    expect(lock.tookOver).toMatch(new RegExp(`process ${other} .* is no longer running \\(its pid now belongs to another process`));
    lock.release();
  });

  it('treats a lock of the same host name but another boot or pid namespace as another machine', () => {
    const dir = tempTree();
    const path = join(dir, 'p.lock');
    const me = processIdentity(process.pid);
    for (const other of [{ bootId: 'another-boot' }, { pidNs: 'pid:[1]' }]) {
      // pid = this very process: were it judged as local, the lock would count as held by a live process.
      writeFileSync(path, JSON.stringify({ ...me, ...other, pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), heartbeatAt: new Date().toISOString(), planChecksum: SUM }));
      expect(() => acquireLock(path, SUM)).toThrow(/another machine \(.* \(another boot or container\)/);
      writeFileSync(path, JSON.stringify({ ...me, ...other, pid: process.pid, host: hostname(), startedAt: '2026-01-01T00:00:00.000Z', heartbeatAt: '2026-01-01T00:00:00.000Z', planChecksum: SUM }));
      acquireLock(path, SUM).release();
    }
  });

  it('takes over a planted link or FIFO at the lock path without following or blocking on it', () => {
    const dir = tempTree({ 'outside.txt': 'keep me' });
    const path = join(dir, 'p.lock');
    symlinkSync(join(dir, 'outside.txt'), path);
    const lock = acquireLock(path, SUM);
    expect(lock.tookOver).toMatch(/unreadable/);
    expect(lstatSync(path).isFile()).toBe(true);
    expect(readFileSync(join(dir, 'outside.txt'), 'utf8')).toBe('keep me');
    lock.release();
    execFileSync('mkfifo', [path]);
    acquireLock(path, SUM).release();
  });

  it('uses the injected pid and liveness check instead of the real process', () => {
    const dir = tempTree();
    const path = join(dir, 'p.lock');
    writeFileSync(path, JSON.stringify({ pid: 4242, host: hostname(), startedAt: '2026-01-01T00:00:00.000Z', planChecksum: SUM }));
    const asked: number[] = [];
    const alive = (pid: number): boolean => (asked.push(pid), true);
    expect(() => acquireLock(path, SUM, { pid: 7, isAlive: alive })).toThrow(/already being applied by process 4242/);
    expect(new Set(asked)).toEqual(new Set([4242]));
    const lock = acquireLock(path, SUM, { pid: 7, isAlive: () => false });
    expect(lock.tookOver).toMatch(/process 4242 .* is no longer running/);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ pid: 7 });
    lock.release();
    expect(existsSync(path)).toBe(false);
    // The probe: signal 0 to the pid; ESRCH means gone, EPERM means alive but someone else's.
    const fail = (code: string) => () => {
      throw Object.assign(new Error(code), { code });
    };
    expect(isProcessAlive(4242, () => true)).toBe(true);
    expect(isProcessAlive(4242, fail('ESRCH'))).toBe(false);
    expect(isProcessAlive(4242, fail('EPERM'))).toBe(true);
    expect(isProcessAlive(process.pid)).toBe(true);
  });

  it('judges a holder that exits and is reaped between the signal probe and the /proc read as gone', () => {
    let probes = 0;
    const probe = { isAlive: () => ++probes === 1, stat: () => undefined, identity: () => ({}) };
    expect(judgeLocalHolder({ pid: 4242, procStart: '123' }, probe)).toEqual({ kind: 'gone', detail: '' });
    // Without /proc at all, a live pid is still running.
    expect(judgeLocalHolder({ pid: 4242 }, { ...probe, isAlive: () => true })).toEqual({ kind: 'running' });
  });

  it('release never removes a lock another process took over', () => {
    const dir = tempTree();
    const path = join(dir, 'p.lock');
    const lock = acquireLock(path, SUM);
    writeFileSync(path, JSON.stringify({ pid: 4242, host: hostname(), startedAt: 'later', planChecksum: SUM }));
    lock.release();
    expect(existsSync(path)).toBe(true);
  });
});

describe('lock takeover race', () => {
  it('lets only one of two applies that both found the same stale lock take it over', () => {
    const dir = tempTree();
    const path = join(dir, 'p.lock');
    writeFileSync(path, JSON.stringify({ pid: 999, host: hostname(), startedAt: '2026-01-01T00:00:00.000Z', planChecksum: SUM }));
    let first: ReturnType<typeof acquireLock> | undefined;
    // B reads the stale lock and probes its pid; meanwhile A finds the same stale lock and takes it over.
    const probeOfB = (pid: number): boolean => {
      if (pid === 999 && first === undefined) first = acquireLock(path, SUM, { pid: 111, isAlive: (p) => p !== 999 });
      return pid !== 999;
    };
    let error: unknown;
    try {
      acquireLock(path, SUM, { pid: 222, isAlive: probeOfB }).release();
    } catch (e) {
      error = e;
    }
    expect(first?.tookOver).toMatch(/process 999 .* is no longer running/);
    expect(error).toBeInstanceOf(LockedError);
    // A still holds the lock: its file was neither replaced nor removed.
    expect(JSON.parse(readFileSync(path, 'utf8'))).toMatchObject({ pid: 111 });
    first?.release();
    expect(existsSync(path)).toBe(false);
  });
});
