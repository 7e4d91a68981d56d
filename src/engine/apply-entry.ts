import { plural } from '../core/plural.js';
import { randomUUID } from 'node:crypto';
import type { PlanEntry } from '../core/plan.js';
import type { PatchOp, Referral } from '../core/referral.js';
import type { JournalWriter } from '../files/journal.js';
import { raceAbort } from '../api/abort.js';
import { classifyWriteError } from './classify-write-error.js';
import type { ApplyEvent, EntryOutcome, FieldDiff } from './events.js';
import { judgeServerState, type ServerVerdict } from './judge-server-state.js';

/** The two client calls the write loop needs (a ReferralsClient has them). */
export interface WriteClient {
  getReferral(id: string): Promise<Referral>;
  patchReferral(
    id: string,
    ops: PatchOp[],
    o: { ifMatch?: string; requestId?: string; returnRepresentation?: boolean; signal?: AbortSignal },
  ): Promise<Referral | undefined>;
}

export interface EntryContext {
  client: WriteClient;
  journal: JournalWriter;
  rebase: boolean;
  /** Requests sent for one entry before it is given up as failed (resends after a read count too). */
  maxAttempts: number;
  /** Delay before transient retry number `n` (1-based). */
  backoffMs: (n: number) => number;
  sleep: (ms: number) => Promise<void>;
  emit: (e: ApplyEvent) => void;
  /**
   * Ctrl+C: nothing more leaves. A request already on the wire finishes and is settled; one
   * still waiting for its turn is not sent, and the entry ends as skipped.
   */
  signal?: AbortSignal;
}

/** Where a resumed entry starts: its request of the interrupted run may have been committed. */
export interface ResumeState {
  inFlight: boolean;
  intentETag?: string;
  uncertain?: boolean;
}

export interface EntryRun {
  /** `skipped`: interrupted (Ctrl+C) before its write left, or before a write that may have left was settled. */
  outcome: EntryOutcome;
  message?: string;
  eTag?: string;
  changedSincePlan?: FieldDiff[];
  /** Applied, then these touched fields were changed by someone else (seen when settling by reading). */
  changedAfterApply?: FieldDiff[];
  rebased: boolean;
  attempts: number;
  /** The state on the server is unknown and may include our write: a later run must count a match as applied. */
  uncertain: boolean;
  /**
   * Skipped with a write that may have committed and is not settled: no outcome may be
   * journalled, so that the journal's intent (in flight) makes the next run settle it by reading.
   */
  keepIntent?: boolean;
}

/** Thrown to stop the whole run (401/403, a bug); the entry itself is left in flight for the next run. */
export class StopRunError extends Error {
  constructor(readonly reason: unknown) {
    super(reason instanceof Error ? reason.message : String(reason));
  }
}

/**
 * The write loop of one entry. Invariants:
 * - every PATCH carries If-Match; the eTag only ever moves to one read back from
 *   the server whose touched fields still hold the pinned before values (rebase),
 *   so a committed write can never be sent again on a newer eTag;
 * - an intent is durable in the journal before each request leaves;
 * - after anything that may have committed, the state is settled by reading.
 */
export async function applyEntry(entry: PlanEntry, ctx: EntryContext, resume?: ResumeState): Promise<EntryRun> {
  let ifMatch = resume?.intentETag ?? entry.eTag;
  let mayHaveCommitted = resume?.inFlight === true || resume?.uncertain === true;
  let attempts = 0;
  let transientRetries = 0;
  let rebased = false;
  let requestId = randomUUID();
  const id = entry.referralId;
  const run = (r: Omit<EntryRun, 'attempts' | 'rebased'>): EntryRun => ({ ...r, attempts, rebased });
  const interrupted = (): EntryRun =>
    mayHaveCommitted
      ? run({ outcome: 'skipped', message: 'interrupted (Ctrl+C) before its write was confirmed; the next run settles it by reading the referral', uncertain: true, keepIntent: true })
      : run({ outcome: 'skipped', message: 'not sent: the run was interrupted (Ctrl+C); running the same command again sends it', uncertain: false });
  const aborted = (): boolean => ctx.signal?.aborted === true;

  // Resolve how a resumed in-flight entry ended before sending anything.
  let pendingRead: string | undefined = resume?.inFlight === true ? 'resumed: the interrupted run sent this write without recording its outcome' : undefined;

  for (;;) {
    if (aborted()) return interrupted();
    if (pendingRead !== undefined) {
      ctx.emit({ type: 'resolving', referralId: id, reason: pendingRead });
      let current: Referral;
      try {
        current = await ctx.client.getReferral(id);
      } catch (e) {
        const f = classifyWriteError(e);
        if (f.kind === 'fatal') throw new StopRunError(f.error);
        return run({
          outcome: 'failed',
          message: `could not read the referral back to settle the write (${pendingRead}): ${'message' in f ? f.message : String(e)}; run apply again to settle it`,
          uncertain: mayHaveCommitted,
        });
      }
      pendingRead = undefined;
      const verdict: ServerVerdict = judgeServerState(entry, current, ifMatch, { mayHaveCommitted, rebase: ctx.rebase });
      switch (verdict.kind) {
        case 'applied': {
          const others = verdict.changedAfterApply ?? [];
          if (others.length === 0) return run({ outcome: 'applied', eTag: verdict.eTag, uncertain: false, message: 'confirmed by reading the referral back' });
          return run({
            outcome: 'applied',
            eTag: verdict.eTag,
            uncertain: false,
            changedAfterApply: others,
            message: `applied (confirmed by reading the referral back), then changed by someone else: ${others.map((d) => d.path).join(', ')}; the rollback leaves those fields as they are`,
          });
        }
        case 'unchanged':
          return run({ outcome: 'unchanged', eTag: verdict.eTag, uncertain: false, message: 'already in the target state; nothing sent' });
        case 'conflict':
          return run({ outcome: 'conflict', eTag: verdict.eTag, message: verdict.message, changedSincePlan: verdict.changedSincePlan, uncertain: false });
        case 'rebase':
          ifMatch = verdict.eTag;
          rebased = true;
          // The read shows our fields untouched: nothing of ours was committed.
          mayHaveCommitted = false;
          requestId = randomUUID();
          break;
        case 'resend':
          mayHaveCommitted = false;
          break;
        default: {
          const never: never = verdict;
          throw new Error(`unknown verdict ${JSON.stringify(never)}`);
        }
      }
    }

    if (attempts >= ctx.maxAttempts) {
      return run({ outcome: 'failed', message: `gave up after ${plural(attempts, 'attempt')}; run apply again to retry`, uncertain: mayHaveCommitted });
    }
    await ctx.journal.append({ referralId: id, event: 'intent', eTag: ifMatch });
    if (aborted()) return interrupted(); // Ctrl+C while the intent was being synced
    attempts += 1;
    try {
      const returned = await ctx.client.patchReferral(id, entry.ops, { ifMatch, requestId, returnRepresentation: true, ...(ctx.signal === undefined ? {} : { signal: ctx.signal }) });
      if (returned?.eTag !== undefined) {
        return run({ outcome: 'applied', eTag: returned.eTag, uncertain: false, ...(rebased ? { message: 'applied on a newer version (--rebase): the fields it touches were unchanged' } : {}) });
      }
      // A server that ignored Prefer: return=representation; read the eTag back.
      mayHaveCommitted = true;
      pendingRead = 'the write returned no representation';
      continue;
    } catch (e) {
      const f = classifyWriteError(e);
      switch (f.kind) {
        case 'not-sent':
          attempts -= 1; // it never left
          return interrupted();
        case 'precondition':
          pendingRead = 'the server answered 412 Precondition Failed';
          continue;
        case 'ambiguous':
          mayHaveCommitted = true;
          pendingRead = `the connection failed after sending (${f.message})`;
          continue;
        case 'transient': {
          mayHaveCommitted ||= f.mayHaveCommitted;
          transientRetries += 1;
          if (attempts >= ctx.maxAttempts) {
            return run({ outcome: 'failed', message: `${f.message} (gave up after ${plural(attempts, 'attempt')}; run apply again to retry)`, uncertain: mayHaveCommitted });
          }
          const delayMs = ctx.backoffMs(transientRetries);
          ctx.emit({ type: 'retry', referralId: id, attempt: attempts, reason: f.message, delayMs });
          await raceAbort(ctx.sleep(delayMs), ctx.signal, 'retry').catch(() => undefined);
          continue;
        }
        case 'rejected':
          if (mayHaveCommitted) {
            // e.g. a 400 because our own earlier write already closed the referral: settle by reading.
            pendingRead = `the server refused a re-sent write (${f.message})`;
            mayHaveCommitted = true;
            if (attempts < ctx.maxAttempts) continue;
          }
          return run({ outcome: 'failed', message: f.message, uncertain: mayHaveCommitted });
        case 'fatal':
          throw new StopRunError(f.error);
        default: {
          const never: never = f;
          throw new Error(`unknown failure ${JSON.stringify(never)}`);
        }
      }
    }
  }
}
