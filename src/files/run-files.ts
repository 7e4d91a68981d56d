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
export const rollbackPathFor = (planPath: string): string => `${stripJson(planPath)}.rollback.json`;
export const resultsPathFor = (planPath: string): string => `${stripJson(planPath)}.results.csv`;
export const lockPathFor = (planPath: string): string => `${stripJson(planPath)}.lock`;

export function runFilesFor(planPath: string): RunFiles {
  return { journal: journalPathFor(planPath), rollback: rollbackPathFor(planPath), results: resultsPathFor(planPath), lock: lockPathFor(planPath) };
}
