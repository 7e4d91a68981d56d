import { randomBytes } from 'node:crypto';
import { closeSync, linkSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { kill as signalProcess, pid as ownPid } from 'node:process';
import { RefplanError } from '../core/errors.js';
import { ExitCode } from '../core/exit-codes.js';
import { PRIVATE_MODE } from './private-file.js';
import { lockPathFor } from './run-files.js';

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

export { lockPathFor };

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

  const staleText = readLockText(path);
  if (staleText === undefined) {
    if (tryCreate(path, text)) return held(path, info);
    throw new LockedError(`${path}: another apply took the lock at the same moment`, 'Wait for it to finish, then run again.');
  }
  const existing = parseLock(staleText);
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
  if (!takeOver(path, staleText, text)) {
    throw new LockedError(`${path}: another apply took over the stale lock at the same moment`, 'Wait for it to finish, then run again.');
  }
  return held(path, info, `took over the lock ${path}: ${why}`);
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
  const aside = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.stale`;
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
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  let fd: number;
  try {
    fd = openSync(temp, 'wx', PRIVATE_MODE);
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

function readLockText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

function readLock(path: string): LockInfo | 'gone' | 'unreadable' {
  const text = readLockText(path);
  return text === undefined ? 'gone' : parseLock(text);
}

function parseLock(text: string): LockInfo | 'unreadable' {
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
