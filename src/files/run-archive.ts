import { chmodSync, existsSync, lstatSync, mkdirSync, renameSync } from 'node:fs';
import { FileError } from '../core/errors.js';
import { ExitCode } from '../core/exit-codes.js';
import { archivedPathFor, archiveStamp, historyDirFor, planPathOfResults, runFilesFor, type ArchivedKind } from './run-files.js';
import { PRIVATE_MODE } from './private-file.js';

/**
 * Moves a settled run's files out of the way of the next one, into
 * `PLAN.history/` with a timestamp, mode 0600; never deletes or overwrites.
 * A rename within one folder tree: atomic, and the customer data never leaves
 * the place the user chose for it.
 */

function historyDir(planPath: string): string {
  const dir = historyDirFor(planPath);
  if (existsSync(dir)) {
    const st = lstatSync(dir);
    if (st.isSymbolicLink() || !st.isDirectory()) {
      throw new FileError(dir, `${dir} is not a folder refplan made (it is a symbolic link or a file); refusing to archive into it`, {
        exitCode: ExitCode.error,
        hint: 'move it away; refplan creates the history folder itself',
      });
    }
  } else {
    mkdirSync(dir, { mode: 0o700 });
  }
  return dir;
}

function freePath(planPath: string, at: Date, kind: ArchivedKind): string {
  const stamp = archiveStamp(at);
  for (let n = 0; ; n++) {
    const candidate = archivedPathFor(planPath, n === 0 ? stamp : `${stamp}-${n}`, kind);
    if (!existsSync(candidate)) return candidate;
  }
}

function move(from: string, planPath: string, at: Date, kind: ArchivedKind): string | undefined {
  if (!existsSync(from)) return undefined;
  if (lstatSync(from).isSymbolicLink()) {
    throw new FileError(from, `${from} is a symbolic link; refusing to archive it`, { exitCode: ExitCode.error, hint: 'move it away by hand' });
  }
  historyDir(planPath);
  const to = freePath(planPath, at, kind);
  renameSync(from, to);
  chmodSync(to, PRIVATE_MODE);
  return to;
}

/** Archives an earlier run of `planPath`: its plan, journal, rollback and results. Returns the archived paths. */
export function archiveRun(planPath: string, at: Date): string[] {
  const files = runFilesFor(planPath);
  const moved = [
    move(files.journal, planPath, at, 'journal.jsonl'),
    move(files.rollback, planPath, at, 'rollback.json'),
    move(files.results, planPath, at, 'results.csv'),
    move(planPath, planPath, at, 'plan.json'),
  ];
  return moved.filter((p): p is string => p !== undefined);
}

/**
 * Keeps the results of the previous run before a new run writes its own
 * (stamped with when they were written): `PLAN.results.csv` is always the
 * latest run, `PLAN.history/*.results.csv` every earlier one.
 */
export function archivePreviousResults(results: string): string | undefined {
  if (!existsSync(results)) return undefined;
  const planPath = planPathOfResults(results);
  return move(results, planPath, lstatSync(results).mtime, 'results.csv');
}
