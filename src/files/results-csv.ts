import { stringify } from 'csv-stringify/sync';
import { formatLocation, type SourceLocation } from '../core/diagnostics.js';
import type { JsonValue } from '../core/referral.js';
import type { FileLayer } from './file-layer.js';
import { writePrivateFileAtomic } from './private-file.js';
import { resultsPathFor } from './run-files.js';

/**
 * `PLAN.results.csv`: one row per plan entry, for the people who open it in
 * Excel. UTF-8 BOM (or Excel guesses the wrong encoding), 0600 (customer data),
 * and every cell that starts like a formula (`=`, `+`, `-`, `@`, tab, CR) is
 * prefixed with `'` so opening the file never runs anything.
 */
export const RESULTS_COLUMNS = ['input', 'referralId', 'name', 'outcome', 'message', 'eTag', 'changedSincePlan'] as const;

/** One entry's outcome (the engine's EntryResult fits this shape; files may not import engine). */
export interface ResultRow {
  sources: readonly SourceLocation[];
  referralId: string;
  label?: string;
  outcome: string;
  message?: string;
  eTag?: string;
  changedSincePlan?: readonly { path: string; planned: JsonValue; now: JsonValue }[];
}

export { resultsPathFor };

export function renderResultsCsv(results: readonly ResultRow[]): string {
  return [...resultsCsvChunks(results)].join('');
}

/** Rows rendered a block at a time: the results of a 50,000-entry apply are never one string. */
const ROWS_PER_CHUNK = 1000;

function* resultsCsvChunks(results: readonly ResultRow[]): Generator<string> {
  const options = { escape_formulas: true, record_delimiter: 'windows' } as const;
  yield stringify([[...RESULTS_COLUMNS]], { ...options, bom: true });
  for (let i = 0; i < results.length; i += ROWS_PER_CHUNK) yield stringify(results.slice(i, i + ROWS_PER_CHUNK).map(resultsCsvCells), options);
}

/** One result's cells, in RESULTS_COLUMNS order. */
export function resultsCsvCells(r: ResultRow): string[] {
  return [
    r.sources.map(formatLocation).join('; '),
    r.referralId,
    r.label ?? '',
    r.outcome,
    r.message ?? '',
    r.eTag ?? '',
    (r.changedSincePlan ?? []).map((d) => `${d.path}: ${JSON.stringify(d.planned)} -> ${JSON.stringify(d.now)}`).join('; '),
  ];
}

export async function writeResultsCsv(path: string, results: readonly ResultRow[], options: { files?: FileLayer } = {}): Promise<void> {
  await writePrivateFileAtomic(path, resultsCsvChunks(results), { what: 'results file', ...options });
}
