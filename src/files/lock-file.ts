import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, linkSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename } from 'node:path';
import { hostname } from 'node:os';
import { pid as ownPid } from 'node:process';
import { RefplanError } from '../core/errors.js';
import { ExitCode } from '../core/exit-codes.js';
import { openPrivateExclusiveSync } from './private-file.js';
import { judgeLocalHolder, realProcessProbe, type ProcessIdentity, type ProcessProbe } from './process-identity.js';
import { lockPathFor } from './run-files.js';

export { isProcessAlive } from './process-identity.js';

/**
 * `PLAN.lock`: one apply of a plan at a time. Two applies of the same plan would
 * race on the journal and the rollback file; If-Match would still stop double
 * writes, but the records would be wrong. The lock names its holder so a refusal
 * can say who holds it, and so a lock left behind by a killed run is recognised
 * and taken over:
 * - on this machine (same host name, boot id and pid namespace) the holder is
 *   checked for real: gone when its pid is free, a zombie, or reused by a process
 *   with another start time;
 * - from anywhere else (a shared volume, a new container) the holder cannot be
 *   checked, so it refreshes the lock's `heartbeatAt` every HEARTBEAT_MS while it
 *   runs, and the lock counts as stale once that is older than STALE_AFTER_MS.
 */
export interface LockInfo extends ProcessIdentity {
  pid: number;
  host: string;
  startedAt: string;
  planChecksum: string;
  /** Refreshed while the holder runs; absent in locks of older refplan versions (startedAt serves). */
  heartbeatAt?: string;
}

/** How often a holder refreshes its lock. */
export const HEARTBEAT_MS = 10_000;
/** A lock from another machine whose heartbeat is older than this is stale (clocks must agree within ~30 s). */
export const STALE_AFTER_MS = 60_000;

export interface HeldLock {
  path: string;
  info: LockInfo;
  /** Set when a stale lock was taken over: the message to show. */
  tookOver?: string;
  /** Writes a fresh heartbeat now (the holder does this by itself every HEARTBEAT_MS). */
  refresh(): void;
  release(): void;
}

export class LockedError extends RefplanError {
  constructor(message: string, hint: string) {
    super('locked', message, { exitCode: ExitCode.error, hint });
  }
}

export { lockPathFor };

/** The process facts the lock uses are injectable (tests, embedders); by default the real ones. */
export interface AcquireOptions {
  now?: () => Date;
  /** Whether a lock's holder still runs (default: the probe's, a signal-0 probe). */
  isAlive?: (pid: number) => boolean;
  /** /proc facts: zombie state, start times, boot id, pid namespace (default: the real /proc). */
  probe?: ProcessProbe;
  /** The pid written into the lock (default: this process's). */
  pid?: number;
  host?: string;
  /** Heartbeat period (default HEARTBEAT_MS); 0 turns the timer off (tests call refresh()). */
  heartbeatMs?: number;
  /**
   * Called once when a heartbeat finds the lock is no longer ours (another machine took it over
   * after missing our heartbeats for STALE_AFTER_MS, e.g. while this process was suspended): the
   * holder must stop sending, or two applies would run at once.
   */
  onLost?: (message: string) => void;
}

export function acquireLock(path: string, planChecksum: string, options: AcquireOptions = {}): HeldLock {
  const now = options.now ?? (() => new Date());
  const baseProbe = options.probe ?? realProcessProbe;
  const probe: ProcessProbe = options.isAlive === undefined ? baseProbe : { ...baseProbe, isAlive: options.isAlive };
  const pid = options.pid ?? ownPid;
  const startedAt = now().toISOString();
  const info: LockInfo = {
    pid,
    host: options.host ?? hostname(),
    ...probe.identity(pid),
    startedAt,
    heartbeatAt: startedAt,
    planChecksum,
  };
  const text = JSON.stringify(info) + '\n';
  const heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
  const onLost = options.onLost;
  if (tryCreate(path, text)) return held(path, info, now, heartbeatMs, onLost);

  const staleText = readLockText(path);
  if (staleText === undefined) {
    if (tryCreate(path, text)) return held(path, info, now, heartbeatMs, onLost);
    throw new LockedError(`${path}: another apply took the lock at the same moment`, 'Wait for it to finish, then run again.');
  }
  const existing = parseLock(staleText);
  const why = existing === 'unreadable' ? 'it was unreadable (its writer died while creating it)' : staleReason(path, existing, info, probe, now());
  if (!takeOver(path, staleText, text)) {
    throw new LockedError(`${path}: another apply took over the stale lock at the same moment`, 'Wait for it to finish, then run again.');
  }
  return held(path, info, now, heartbeatMs, onLost, `took over the lock ${path}: ${why}`);
}

/** Same host, same boot, same pid namespace: the holder's pid can be checked from here. */
function sameMachine(a: LockInfo, b: LockInfo): boolean {
  if (a.host !== b.host) return false;
  if (a.bootId !== undefined && b.bootId !== undefined && a.bootId !== b.bootId) return false;
  if (a.pidNs !== undefined && b.pidNs !== undefined && a.pidNs !== b.pidNs) return false;
  return true;
}

/** Why the existing lock is stale; throws LockedError when its holder may still run. */
function staleReason(path: string, existing: LockInfo, me: LockInfo, probe: ProcessProbe, now: Date): string {
  const since = `started ${existing.startedAt}`;
  if (sameMachine(existing, me)) {
    const verdict = judgeLocalHolder(existing, probe);
    if (verdict.kind === 'gone') return `its holder, process ${existing.pid} (${since}), is no longer running${verdict.detail === '' ? '' : ` (${verdict.detail})`}`;
    throw new LockedError(
      `${path}: this plan is already being applied by process ${existing.pid} (${since})`,
      'Two applies of one plan at once are refused. Wait for that run to finish (or stop it); running apply again afterwards resumes where it ended.',
    );
  }
  const where = existing.host === me.host ? `${existing.host} (another boot or container)` : existing.host;
  const beat = Date.parse(existing.heartbeatAt ?? existing.startedAt);
  const age = now.getTime() - beat;
  if (Number.isFinite(age) && age > STALE_AFTER_MS) {
    return `it was held on another machine (${where}, pid ${existing.pid}, ${since}), which has not refreshed it for ${Math.round(age / 1000)} s (a running apply refreshes it every ${HEARTBEAT_MS / 1000} s; stale after ${STALE_AFTER_MS / 1000} s)`;
  }
  const staleAt = Number.isFinite(beat) ? new Date(beat + STALE_AFTER_MS).toISOString() : undefined;
  throw new LockedError(
    `${path}: this plan is being applied on another machine (${where}, pid ${existing.pid}, ${since}); its lock was refreshed ${Number.isFinite(age) ? `${Math.max(0, Math.round(age / 1000))} s ago` : 'at an unknown time'}`,
    `refplan cannot check a process on another machine; a running apply refreshes its lock every ${HEARTBEAT_MS / 1000} s. If that run is over, its lock is taken over ${STALE_AFTER_MS / 1000} s after its last refresh${staleAt === undefined ? '' : ` (after ${staleAt})`}: run again then.`,
  );
}

/**
 * Replaces the stale lock whose content is `staleText`, and only that one. Overwriting it (or
 * unlinking it by name) is not enough: of two applies that both judged the same lock stale, the
 * second would replace the lock the first had just taken, and both would run. So the stale file
 * is first renamed aside (atomic: only one taker gets it), its content checked to be the one
 * judged stale, and the new lock created exclusively. A taker that moved a fresh lock instead
 * puts it back and gives up.
 */
function takeOver(path: string, staleText: string, text: string): boolean {
  const aside = lockTempPath(path, 'stale');
  try {
    renameSync(path, aside);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return tryCreate(path, text);
    throw new RefplanError('file', `cannot take over the lock file ${path}: ${(e as Error).message}`, { cause: e });
  }
  const moved = readLockText(aside);
  if (moved === staleText) {
    unlinkQuietly(aside);
    return tryCreate(path, text);
  }
  try {
    linkSync(aside, path); // EEXIST: yet another apply created a lock meanwhile; that one stays
  } catch {
    // nothing to put back over
  }
  unlinkQuietly(aside);
  return false;
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}

/**
 * Creates the lock only if none exists. The content is written to a temp file first and linked
 * into place (link fails with EEXIST, like O_EXCL), so no reader ever sees an empty lock and
 * takes it over as "unreadable" while its creator lives.
 */
function tryCreate(path: string, text: string): boolean {
  const temp = lockTempPath(path, 'tmp');
  let fd: number;
  try {
    fd = openPrivateExclusiveSync(temp);
  } catch (e) {
    throw new RefplanError('file', `cannot create the lock file ${path}: ${(e as Error).message}`, { cause: e });
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new RefplanError('file', `cannot create the lock file ${path}: ${(e as Error).message}`, { cause: e });
  } finally {
    unlinkQuietly(temp);
  }
}

/** `PLAN.lock.PID.HEX8.tmp` (being created or refreshed) and `.stale` (being taken over). */
function lockTempPath(path: string, kind: 'tmp' | 'stale'): string {
  return `${path}.${process.pid}.${randomBytes(4).toString('hex')}.${kind}`;
}

/** The pid that left a lock temp file of `lockPath` behind, or undefined when `name` is not one. */
export function lockTempWriter(lockPath: string, name: string): number | undefined {
  const prefix = `${basename(lockPath)}.`;
  if (!name.startsWith(prefix)) return undefined;
  const m = /^(\d+)\.[0-9a-f]{8}\.(tmp|stale)$/.exec(name.slice(prefix.length));
  return m === null ? undefined : Number(m[1]);
}

/**
 * The lock's text, read without following a link (and without blocking on a planted FIFO):
 * anything but a regular file reads as garbage, which is taken over like a half-written lock.
 */
function readLockText(path: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP' || code === 'EMLINK') return 'not a lock: a symbolic link';
    throw e;
  }
  try {
    if (!fstatSync(fd).isFile()) return 'not a lock: not a regular file';
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}

function readLock(path: string): LockInfo | 'gone' | 'unreadable' {
  const text = readLockText(path);
  return text === undefined ? 'gone' : parseLock(text);
}

function parseLock(text: string): LockInfo | 'unreadable' {
  try {
    const v = JSON.parse(text) as Partial<LockInfo> | null;
    if (v === null || typeof v !== 'object') return 'unreadable';
    if (typeof v.pid === 'number' && typeof v.host === 'string' && typeof v.startedAt === 'string') return v as LockInfo;
  } catch {
    // fall through
  }
  return 'unreadable';
}

/** Locks this process holds, so that an exit that cannot wait (a second Ctrl+C) still releases them. */
const heldLocks = new Set<HeldLock>();

/**
 * Releases every lock this process holds, synchronously: for an immediate exit (a second
 * Ctrl+C), where the run's own `finally` will not get to it. The journal needs nothing: every
 * line is one complete write, so the next run resumes exactly.
 */
export function releaseHeldLocks(): void {
  for (const lock of [...heldLocks]) lock.release();
}

function held(path: string, info: LockInfo, now: () => Date, heartbeatMs: number, onLost: ((message: string) => void) | undefined, tookOver?: string): HeldLock {
  let released = false;
  let lost = false;
  let current = info;
  const isOurs = (): boolean => {
    const onDisk = readLock(path);
    return onDisk !== 'gone' && onDisk !== 'unreadable' && onDisk.pid === info.pid && onDisk.host === info.host && onDisk.startedAt === info.startedAt;
  };
  const refresh = (): void => {
    // Never write over a lock that is not ours any more (taken over after we stalled too long).
    if (released || lost) return;
    if (!isOurs()) {
      lost = true;
      onLost?.(`${path}: this run's lock was taken over by another apply (its heartbeat had not been refreshed for over ${STALE_AFTER_MS / 1000} s)`);
      return;
    }
    current = { ...current, heartbeatAt: now().toISOString() };
    try {
      replaceLock(path, JSON.stringify(current) + '\n');
    } catch {
      // a missed heartbeat is retried at the next tick
    }
  };
  const timer = heartbeatMs > 0 ? setInterval(refresh, heartbeatMs) : undefined;
  timer?.unref();
  const lock: HeldLock = {
    path,
    info,
    ...(tookOver === undefined ? {} : { tookOver }),
    refresh,
    release() {
      if (released) return;
      released = true;
      heldLocks.delete(lock);
      if (timer !== undefined) clearInterval(timer);
      // Remove only our own lock: never one a later process took over.
      if (isOurs()) unlinkQuietly(path);
    },
  };
  heldLocks.add(lock);
  return lock;
}

/** A heartbeat: the new content goes to a temp file renamed over the lock, so no reader sees it half-written. */
function replaceLock(path: string, text: string): void {
  const temp = lockTempPath(path, 'tmp');
  const fd = openPrivateExclusiveSync(temp);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(temp, path);
  } catch (e) {
    unlinkQuietly(temp);
    throw e;
  }
}
