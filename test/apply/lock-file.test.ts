import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireLock, isProcessAlive, LockedError, lockPathFor } from '../../src/files/lock-file.js';
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

  it('refuses a lock held on another machine', () => {
    const dir = tempTree();
    const path = join(dir, 'p.lock');
    writeFileSync(path, JSON.stringify({ pid: 1, host: 'elsewhere', startedAt: '2026-01-01T00:00:00.000Z', planChecksum: SUM }));
    expect(() => acquireLock(path, SUM)).toThrow(/another machine \(elsewhere/);
  });

  it('uses the injected pid and liveness check instead of the real process', () => {
    const dir = tempTree();
    const path = join(dir, 'p.lock');
    writeFileSync(path, JSON.stringify({ pid: 4242, host: hostname(), startedAt: '2026-01-01T00:00:00.000Z', planChecksum: SUM }));
    const asked: number[] = [];
    const alive = (pid: number): boolean => (asked.push(pid), true);
    expect(() => acquireLock(path, SUM, { pid: 7, isAlive: alive })).toThrow(/already being applied by process 4242/);
    expect(asked).toEqual([4242]);
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
