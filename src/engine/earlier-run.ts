import { nounFor, plural } from '../core/plural.js';
import { existsSync } from 'node:fs';
import { UsageError } from '../core/errors.js';
import { replayJournal } from '../files/journal.js';
import { readPlan } from '../files/plan-file.js';
import { archiveRun } from '../files/run-archive.js';
import { runFilesFor } from '../files/run-files.js';

/**
 * Planning into the path of an earlier plan. A settled earlier run (no lock,
 * no write in flight or uncertain in its journal) is archived, plan, journal,
 * rollback and results, into `PLAN.history/`, so the new plan starts a fresh
 * run and nothing of the old one is lost. An unsettled run is protected: its
 * plan is the only way to settle those writes and complete its rollback.
 */
export async function archiveSettledEarlierRun(planPath: string, now: Date): Promise<string[]> {
  const files = runFilesFor(planPath);
  if (![files.journal, files.rollback, files.results, files.lock].some((p) => existsSync(p))) return [];
  let unsettled: string | undefined;
  if (existsSync(files.lock)) unsettled = 'its lock is still there (it was killed, or is still running)';
  else if (existsSync(files.journal) && existsSync(planPath)) {
    let checksum: string | undefined;
    try {
      checksum = (await readPlan(planPath)).checksum;
    } catch {
      checksum = undefined; // not a readable plan: its journal can settle nothing
    }
    if (checksum !== undefined) {
      try {
        const open = [...replayJournal(files.journal, checksum).entries.values()].filter((s) => s.inFlight || s.uncertain === true).length;
        if (open > 0) unsettled = `${plural(open, 'write')} ${nounFor(open, 'is', 'are')} not settled in its journal`;
      } catch {
        // A journal of another plan (or a damaged one) belongs to no run of this plan: archived with it.
      }
    }
  }
  if (unsettled !== undefined) {
    throw new UsageError(
      `an earlier apply of ${planPath} is not settled: ${unsettled}; planning again would replace the plan its journal and rollback file belong to`,
      `Run \`refplan apply ${planPath}\` first (it settles those writes and completes the rollback file), or plan into another file with -o.`,
    );
  }
  return archiveRun(planPath, now);
}
