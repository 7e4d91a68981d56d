import { closeSync, openSync, readSync } from 'node:fs';
import type { Plan } from '../core/plan.js';
import { JOURNAL_FORMAT } from './journal.js';
import { readPlan } from './plan-file.js';
import { journalPathFor } from './run-files.js';

/**
 * Reads a plan to apply (or a rollback file to run). When an earlier run of it left a
 * journal, the header names the SHA-256 of the plan bytes that run checked in full: if the
 * file still has exactly those bytes, the schema and checksum pass is not repeated (resuming a
 * large plan starts sending in seconds). Any other bytes get the full check.
 */
export async function readPlanToApply(path: string): Promise<Plan> {
  const sha = journalHeaderPlanSha256(journalPathFor(path));
  return readPlan(path, sha === undefined ? {} : { verifiedSha256: sha });
}

/** The `planFileSha256` of a journal's header line, without reading the rest of the journal. */
function journalHeaderPlanSha256(journal: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(journal, 'r');
  } catch {
    return undefined;
  }
  try {
    const buf = Buffer.alloc(4096);
    const n = readSync(fd, buf, 0, buf.length, 0);
    const end = buf.subarray(0, n).indexOf(0x0a);
    if (end < 0) return undefined;
    const header = JSON.parse(buf.toString('utf8', 0, end)) as { format?: unknown; planFileSha256?: unknown };
    return header.format === JOURNAL_FORMAT && typeof header.planFileSha256 === 'string' ? header.planFileSha256 : undefined;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}
