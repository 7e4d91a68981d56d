import { nounFor, plural } from '../core/plural.js';
import { basename } from 'node:path';
import { describeDiskError, DiskFullError } from '../core/errors.js';
import type { RunFiles } from '../files/run-files.js';

/**
 * The one message a run stopped by a full disk ends with (exit 6), whichever of its files could
 * not be written: how far it got, and that the same command finishes it once there is space.
 * Nothing is lost: every request that went out has a durable intent in the journal, so the next
 * run settles the ones whose outcome is missing by reading the referral, and seals the rollback
 * file from the journal.
 */
export function diskFullStop(cause: DiskFullError, run: { settled: number; total: number; files: RunFiles; inFlight: number }): DiskFullError {
  const what = describeDiskError(cause.errno);
  const action = cause.errno === 'EIO' ? 'check the disk' : 'free space';
  const inFlight =
    run.inFlight === 0 ? '' : ` ${plural(run.inFlight, 'write')} ${nounFor(run.inFlight, 'was', 'were')} sent without a recorded outcome; the next run settles ${nounFor(run.inFlight, 'it', 'them')} by reading the ${nounFor(run.inFlight, 'referral')}.`;
  return new DiskFullError(cause.file, cause.errno, `${what}: ${run.settled} of ${plural(run.total, 'entry', 'entries')} settled; ${action} and run the same command again`, {
    hint: `${cause.message}. Nothing was sent that the journal (${basename(run.files.journal)}) does not record.${inFlight} Running the same command again resumes exactly and completes ${basename(run.files.rollback)} and ${basename(run.files.results)}.`,
    cause,
  });
}
