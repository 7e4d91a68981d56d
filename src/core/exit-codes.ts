/** The documented exit codes, shared by every command (docs/reference/exit-codes.md). */
export const ExitCode = {
  ok: 0,
  /** Operational error: usage, network, server, internal. */
  error: 1,
  /** Changes pending (`plan --detailed-exitcode` only). */
  changesPending: 2,
  /** Invalid input; nothing was sent. */
  invalidInput: 3,
  /** Some changes not applied because the referral changed; nothing overwritten. */
  conflicts: 4,
  /** Partial failure: some entries failed for other reasons. */
  partialFailure: 5,
  /**
   * The disk refplan writes its files to is full, over quota or failing (ENOSPC, EDQUOT, EIO):
   * refplan stopped sending at once; nothing is lost, and the same command resumes once there is space.
   */
  diskFull: 6,
  /**
   * Interrupted (Ctrl+C, SIGINT): apply/rollback stopped sending; requests already on the wire
   * were finished and journalled, the rest were skipped. The same command continues (128 + 2, as
   * shells report a process stopped by SIGINT).
   */
  interrupted: 130,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];
