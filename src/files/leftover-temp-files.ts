import { readdirSync, unlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { lockTempWriter } from './lock-file.js';
import { tempFileWriter } from './private-file.js';
import { judgeLocalHolder, realProcessProbe, type ProcessProbe } from './process-identity.js';

/**
 * Removes the temp files a killed run left next to a plan: `.NAME.PID.HEX8.tmp` of the files
 * written by atomic replace (`targets`: the plan, its rollback file, its results) and the lock's
 * own `PLAN.lock.PID.HEX8.tmp|stale`. They hold customer data, and nothing else would ever
 * remove them. Only refplan's own names for these exact files, and only when their writer
 * (the pid in the name) is gone from this machine: a temp file of a run still going, or of a
 * pid refplan cannot judge, stays. Returns the names removed.
 */
export function removeLeftoverTempFiles(targets: readonly string[], lockPath: string, probe: ProcessProbe = realProcessProbe): string[] {
  const removed: string[] = [];
  const folders = new Map<string, string[]>();
  for (const t of [...targets, lockPath]) {
    const folder = dirname(t);
    folders.set(folder, [...(folders.get(folder) ?? []), t]);
  }
  for (const [folder, files] of folders) {
    let names: string[];
    try {
      names = readdirSync(folder);
    } catch {
      continue;
    }
    for (const name of names) {
      const writer = files.map((f) => (f === lockPath ? lockTempWriter(f, name) : tempFileWriter(f, name))).find((w) => w !== undefined);
      if (writer === undefined || writer === process.pid) continue;
      if (judgeLocalHolder({ pid: writer }, probe).kind !== 'gone') continue;
      try {
        unlinkSync(join(folder, name));
        removed.push(name);
      } catch {
        // removed meanwhile, or not ours to remove
      }
    }
  }
  return removed;
}
