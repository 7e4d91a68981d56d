import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { kill as signalProcess, pid as ownPid } from 'node:process';
import { RefplanError } from '../core/errors.js';
import { ExitCode } from '../core/exit-codes.js';
import { PRIVATE_MODE, writePrivateFileAtomicSync } from './private-file.js';
import { stripJson } from './journal.js';

/**
 * `PLAN.lock`: one apply of a plan at a time. Two applies of the same plan would
 * race on the journal and the rollback file; If-Match would still stop double
 * writes, but the records would be wrong. The lock names its holder (pid, host,
 * start time) so a refusal can say who holds it, and so a lock left behind by a
 * killed process is recognised (its pid is gone) and taken over.
 */
export interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
  planChecksum: string;
}

export interface HeldLock {
  path: string;
  info: LockInfo;
  /** Set when a stale lock was taken over: the message to show. */
  tookOver?: string;
  release(): void;
}

export class LockedError extends RefplanError {
  constructor(message: string, hint: string) {
    super('locked', message, { exitCode: ExitCode.error, hint });
  }
}

export function lockPathFor(planPath: string): string {
  return `${stripJson(planPath)}.lock`;
}

/**
 * True when a process with this pid exists on this machine (EPERM: exists, owned by someone else).
 * Signal 0 checks without sending anything; `signal` is injectable, the real one by default.
 */
export function isProcessAlive(pid: number, signal: (pid: number, signal: 0) => unknown = signalProcess): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    signal(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The process facts the lock uses are injectable (tests, embedders); by default the real ones. */
export interface AcquireOptions {
  now?: () => Date;
  /** Whether a lock's holder still runs (default: isProcessAlive, a signal-0 probe). */
  isAlive?: (pid: number) => boolean;
  /** The pid written into the lock (default: this process's). */
  pid?: number;
  host?: string;
}

export function acquireLock(path: string, planChecksum: string, options: AcquireOptions = {}): HeldLock {
  const info: LockInfo = {
    pid: options.pid ?? ownPid,
    host: options.host ?? hostname(),
    startedAt: (options.now ?? (() => new Date()))().toISOString(),
    planChecksum,
  };
  const isAlive = options.isAlive ?? isProcessAlive;
  const text = JSON.stringify(info) + '\n';
  if (tryCreate(path, text)) return held(path, info);

  const existing = readLock(path);
  if (existing === 'gone') {
    if (tryCreate(path, text)) return held(path, info);
    throw new LockedError(`${path}: another apply took the lock at the same moment`, 'Wait for it to finish, then run again.');
  }
  let why: string;
  if (existing === 'unreadable') {
    why = 'it was unreadable (its writer died while creating it)';
  } else {
    if (existing.host !== info.host) {
      throw new LockedError(
        `${path}: this plan is being applied on another machine (${existing.host}, pid ${existing.pid}, since ${existing.startedAt})`,
        `refplan cannot check a process on another machine. If that run is certainly over, delete ${path} and run again.`,
      );
    }
    if (isAlive(existing.pid)) {
      throw new LockedError(
        `${path}: this plan is already being applied by process ${existing.pid} (started ${existing.startedAt})`,
        'Two applies of one plan at once are refused. Wait for that run to finish (or stop it); running apply again afterwards resumes where it ended.',
      );
    }
    why = `its holder, process ${existing.pid} (started ${existing.startedAt}), is no longer running`;
  }
  // Take over: replace atomically, then read back, so of two racing takers only one wins.
  writePrivateFileAtomicSync(path, text);
  const now = readLock(path);
  if (now === 'gone' || now === 'unreadable' || now.pid !== info.pid || now.startedAt !== info.startedAt) {
    throw new LockedError(`${path}: another apply took over the stale lock at the same moment`, 'Wait for it to finish, then run again.');
  }
  return held(path, info, `took over the lock ${path}: ${why}`);
}

function tryCreate(path: string, text: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', PRIVATE_MODE);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new RefplanError('file', `cannot create the lock file ${path}: ${(e as Error).message}`, { cause: e });
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  return true;
}

function readLock(path: string): LockInfo | 'gone' | 'unreadable' {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw e;
  }
  try {
    const v = JSON.parse(text) as Partial<LockInfo>;
    if (typeof v.pid === 'number' && typeof v.host === 'string' && typeof v.startedAt === 'string') return v as LockInfo;
  } catch {
    // fall through
  }
  return 'unreadable';
}

function held(path: string, info: LockInfo, tookOver?: string): HeldLock {
  let released = false;
  return {
    path,
    info,
    ...(tookOver === undefined ? {} : { tookOver }),
    release() {
      if (released) return;
      released = true;
      // Remove only our own lock: never one a later process took over.
      const current = readLock(path);
      if (current !== 'gone' && current !== 'unreadable' && current.pid === info.pid && current.startedAt === info.startedAt) {
        try {
          unlinkSync(path);
        } catch {
          // already gone
        }
      }
    },
  };
}
