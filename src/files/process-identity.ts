import { readFileSync, readlinkSync } from 'node:fs';
import { kill as signalProcess } from 'node:process';

/**
 * What tells one process apart from another that later got the same pid. A pid alone is not
 * enough: a killed apply whose parent died with it lingers as a zombie (it still answers
 * `kill(pid, 0)`), pids are reused after a reboot, and in containers every run may have the
 * same low pid. So a lock records, besides the pid, the process's start time (field 22 of
 * /proc/PID/stat, clock ticks since boot), the boot id and the pid namespace; on a system
 * without /proc these are absent and only the pid is checked.
 */
export interface ProcessIdentity {
  /** /proc/PID/stat field 22: with the boot id, unique for the life of the machine. */
  procStart?: string;
  /** /proc/sys/kernel/random/boot_id: a pid and start time mean something only within one boot. */
  bootId?: string;
  /** /proc/self/ns/pid: two containers on one kernel (and one hostname) see different pids. */
  pidNs?: string;
}

/** A process as /proc shows it: its state letter (`Z` zombie, `X` dead) and start time. */
export interface ProcessStat {
  state: string;
  startTicks: string;
}

/** The process facts a lock needs; injectable (tests, embedders), the real ones by default. */
export interface ProcessProbe {
  /** True when a process with this pid exists on this machine (a zombie counts). */
  isAlive(pid: number): boolean;
  /** The process's /proc stat, or undefined when there is no such process or no /proc. */
  stat(pid: number): ProcessStat | undefined;
  /** This process's own identity (for the lock it writes and to judge others' locks). */
  identity(pid: number): ProcessIdentity;
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

/**
 * Parses /proc/PID/stat. The command name (field 2) is in parentheses and may itself hold spaces
 * and parentheses, so the fields are counted from the last `)`.
 */
export function parseProcStat(text: string): ProcessStat | undefined {
  const end = text.lastIndexOf(')');
  if (end < 0) return undefined;
  const fields = text.slice(end + 1).trim().split(/\s+/);
  // fields[0] is field 3 (state); field 22 (starttime) is fields[19].
  const state = fields[0];
  const startTicks = fields[19];
  if (state === undefined || startTicks === undefined || !/^\d+$/.test(startTicks)) return undefined;
  return { state, startTicks };
}

export function readProcessStat(pid: number): ProcessStat | undefined {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    return parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

function readOptional(read: () => string): string | undefined {
  try {
    const value = read().trim();
    return value === '' ? undefined : value;
  } catch {
    return undefined;
  }
}

export function processIdentity(pid: number): ProcessIdentity {
  const procStart = readProcessStat(pid)?.startTicks;
  const bootId = readOptional(() => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8'));
  const pidNs = readOptional(() => readlinkSync('/proc/self/ns/pid'));
  return {
    ...(procStart === undefined ? {} : { procStart }),
    ...(bootId === undefined ? {} : { bootId }),
    ...(pidNs === undefined ? {} : { pidNs }),
  };
}

export const realProcessProbe: ProcessProbe = {
  isAlive: (pid) => isProcessAlive(pid),
  stat: readProcessStat,
  identity: processIdentity,
};

/** How a recorded holder stands now, as seen from this machine. */
export type HolderVerdict = { kind: 'running' } | { kind: 'gone'; detail: string };

/**
 * Judges a holder on this machine (same host, boot and pid namespace: the caller checks that).
 * Gone when its pid does not exist, is a zombie (it has exited; only its parent has not reaped
 * it), or now belongs to a process that started at another time (the pid was reused).
 */
export function judgeLocalHolder(holder: { pid: number; procStart?: string }, probe: ProcessProbe): HolderVerdict {
  if (!probe.isAlive(holder.pid)) return { kind: 'gone', detail: '' };
  const stat = probe.stat(holder.pid);
  // A holder that exits and is reaped between the two probes has no /proc entry left: it is gone,
  // not running (asked again, so that a system without /proc still judges by the signal alone).
  if (stat === undefined && !probe.isAlive(holder.pid)) return { kind: 'gone', detail: '' };
  if (stat !== undefined && (stat.state === 'Z' || stat.state === 'X')) {
    return { kind: 'gone', detail: 'it has exited; its pid is a zombie its parent has not reaped' };
  }
  if (stat !== undefined && holder.procStart !== undefined && stat.startTicks !== holder.procStart) {
    return { kind: 'gone', detail: 'its pid now belongs to another process, started at another time' };
  }
  return { kind: 'running' };
}
