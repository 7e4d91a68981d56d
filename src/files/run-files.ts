/**
 * The files an apply of `PLAN.json` keeps next to it, named in this one place (the journal,
 * the rollback plan, the results, the run lock), so that archiving or relocating a run's
 * files needs to know only this.
 */
export interface RunFiles {
  journal: string;
  rollback: string;
  results: string;
  lock: string;
}

export function stripJson(path: string): string {
  return path.endsWith('.json') ? path.slice(0, -'.json'.length) : path;
}

export const journalPathFor = (planPath: string): string => `${stripJson(planPath)}.journal.jsonl`;
/**
 * `PLAN.rollback.json`; for a rollback file itself (`PLAN.rollback.json`), the plan that undoes
 * the rollback puts the changes back: `PLAN.reapply.json`, not `PLAN.rollback.rollback.json`.
 */
export const rollbackPathFor = (planPath: string): string => {
  const stem = stripJson(planPath);
  return stem.endsWith('.rollback') ? `${stem.slice(0, -'.rollback'.length)}.reapply.json` : `${stem}.rollback.json`;
};
export const resultsPathFor = (planPath: string): string => `${stripJson(planPath)}.results.csv`;
export const lockPathFor = (planPath: string): string => `${stripJson(planPath)}.lock`;

export function runFilesFor(planPath: string): RunFiles {
  return { journal: journalPathFor(planPath), rollback: rollbackPathFor(planPath), results: resultsPathFor(planPath), lock: lockPathFor(planPath) };
}

/**
 * Where earlier runs of `PLAN.json` are kept: `PLAN.history/` (0700), one
 * timestamped file per archived plan, journal, rollback and results
 * (`2026-12-01T23-30-00.123Z.results.csv`). Nothing in it is ever deleted.
 */
export const historyDirFor = (planPath: string): string => `${stripJson(planPath)}.history`;

/** A file-name-safe UTC timestamp (no `:`), sorting in time order. */
export const archiveStamp = (at: Date): string => at.toISOString().replace(/:/g, '-');

export type ArchivedKind = 'plan.json' | 'journal.jsonl' | 'rollback.json' | 'results.csv';

export const archivedPathFor = (planPath: string, stamp: string, kind: ArchivedKind): string => `${historyDirFor(planPath)}/${stamp}.${kind}`;

/** The plan a results file belongs to (`X.results.csv` → `X.json`), for archiving it next to that plan's history. */
export const planPathOfResults = (resultsPath: string): string => `${resultsPath.replace(/\.results\.csv$/, '')}.json`;
