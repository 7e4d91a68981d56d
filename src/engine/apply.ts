import pLimit from 'p-limit';
import type { Plan, PlanEntry } from '../core/plan.js';
import { journalPathFor, JournalWriter, replayJournal, type EntryJournalState } from '../files/journal.js';
import { removeLeftoverTempFiles } from '../files/leftover-temp-files.js';
import { acquireLock, lockPathFor, type AcquireOptions } from '../files/lock-file.js';
import { checkPrivateTarget } from '../files/private-file.js';
import { resultsPathFor, writeResultsCsv } from '../files/results-csv.js';
import { applyEntry, StopRunError, type EntryRun, type ResumeState, type WriteClient } from './apply-entry.js';
import { ENTRY_OUTCOMES, type ApplyEvent, type ApplySummary, type EntryOutcome, type EntryResult } from './events.js';
import { RollbackFile, rollbackPathFor } from './rollback-file.js';

export interface ApplyClient extends WriteClient {
  stats?(): { requests: number; retries: number };
}

export interface ApplyOptions {
  client: ApplyClient;
  /** Where the plan file is: the journal, lock, rollback and results files go next to it. */
  planPath: string;
  /** Re-send an entry on a newer eTag when none of the fields it touches changed. */
  rebase?: boolean;
  /**
   * Entries worked on at once. The client's own cap and rate limit govern the requests; this is
   * larger so that entries waiting for a journal fsync or a rollback-file rewrite never leave a
   * request slot idle. Default 32.
   */
  concurrency?: number;
  /** Requests per entry before it is reported failed. Default 8. */
  maxAttempts?: number;
  onEvent?: (e: ApplyEvent) => void;
  /**
   * Stops the run gently (Ctrl+C): entries not yet started are reported skipped, requests in
   * flight finish and are journalled, the files are written, and the summary is returned.
   */
  signal?: AbortSignal;
  /** Injectable for tests. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => Date;
  lock?: AcquireOptions;
}

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Executes a plan (or a rollback file: it is a plan) exactly as reviewed.
 *
 * 1. Lock the plan (one apply at a time), replay its journal.
 * 2. Entries whose last outcome is applied/unchanged are done (an earlier run);
 *    conflict/failed entries run again; entries with an intent but no outcome
 *    are settled by reading the referral before anything is sent.
 * 3. Work on entries concurrently (p-limit over the client's shared scheduler);
 *    each entry's outcome is journalled (fsync) and, when applied, added to the
 *    rollback file before the entry counts as done.
 * 4. Write the results CSV, release the lock, return the summary.
 *
 * Never prints; progress goes out as events. A 401/403 stops the run: entries
 * not started are reported skipped, and the error is thrown after the files
 * are written (the journal lets the next run resume).
 */
export async function applyPlan(plan: Plan, options: ApplyOptions): Promise<ApplySummary> {
  const started = Date.now();
  const emit = options.onEvent ?? (() => undefined);
  const now = options.now ?? (() => new Date());
  const random = options.random ?? Math.random;
  const sleep = options.sleep ?? defaultSleep;
  const files = {
    journal: journalPathFor(options.planPath),
    rollback: rollbackPathFor(options.planPath),
    results: resultsPathFor(options.planPath),
    lock: lockPathFor(options.planPath),
  };

  const lock = acquireLock(files.lock, plan.checksum, options.lock);
  if (lock.tookOver !== undefined) emit({ type: 'warning', message: lock.tookOver });
  try {
    // Every file this run writes is checked before anything is sent: a planted link (or a file
    // of another user) is refused now, not after the referrals changed; a wider mode is narrowed.
    checkPrivateTarget(files.journal, 'journal', { append: true });
    checkPrivateTarget(files.rollback, 'rollback file');
    checkPrivateTarget(files.results, 'results file');
    const leftovers = removeLeftoverTempFiles([options.planPath, files.rollback, files.results], files.lock, options.lock?.probe);
    if (leftovers.length > 0) {
      emit({ type: 'warning', message: `removed ${leftovers.length} temp file${leftovers.length === 1 ? '' : 's'} an interrupted run left behind: ${leftovers.join(', ')}` });
    }
    const replay = replayJournal(files.journal, plan.checksum);
    for (const w of replay.warnings) emit({ type: 'warning', message: w });
    const journal = await JournalWriter.open(files.journal, plan.checksum, plan.kind, replay, now);
    const rollback = new RollbackFile(files.rollback, plan, options.planPath, now);
    await rollback.adoptExisting();
    try {
      return await run(plan, options, { emit, random, sleep, files, journal, rollback, states: replay.entries, resumed: replay.existed, started });
    } finally {
      await journal.close();
    }
  } finally {
    lock.release();
  }
}

interface RunState {
  emit: (e: ApplyEvent) => void;
  random: () => number;
  sleep: (ms: number) => Promise<void>;
  files: ApplySummary['files'];
  journal: JournalWriter;
  rollback: RollbackFile;
  states: Map<string, EntryJournalState>;
  resumed: boolean;
  started: number;
}

async function run(plan: Plan, options: ApplyOptions, s: RunState): Promise<ApplySummary> {
  const results = new Map<string, EntryResult>();
  const toRun: { entry: PlanEntry; resume?: ResumeState }[] = [];
  for (const entry of plan.entries) {
    const state = s.states.get(entry.referralId);
    if (state?.outcome === 'applied' && state.eTag !== undefined) s.rollback.record(entry.referralId, state.eTag);
    if (state !== undefined && !state.inFlight && (state.outcome === 'applied' || state.outcome === 'unchanged')) {
      results.set(entry.referralId, {
        ...base(entry),
        outcome: 'unchanged',
        message: `${state.outcome === 'applied' ? 'applied' : 'found already in the target state'} by an earlier run (journal); not sent again`,
        ...(state.eTag === undefined ? {} : { eTag: state.eTag }),
        earlierRun: true,
        attempts: 0,
      });
      continue;
    }
    const resume: ResumeState = { inFlight: state?.inFlight === true };
    if (state?.intentETag !== undefined && state.inFlight) resume.intentETag = state.intentETag;
    if (state?.uncertain === true) resume.uncertain = true;
    toRun.push({ entry, resume });
  }
  // The rollback file is rebuilt from the journal first: a run killed before its
  // next rewrite may have left it one entry behind.
  await s.rollback.flush();

  s.emit({ type: 'start', total: plan.entries.length, toRun: toRun.length, earlier: results.size, kind: plan.kind, planChecksum: plan.checksum, resumed: s.resumed });

  const concurrency = Math.max(1, options.concurrency ?? 32);
  const limit = pLimit(concurrency);
  let stop: StopRunError | undefined;
  let retries = 0;
  let done = results.size;
  const emit = (e: ApplyEvent): void => {
    if (e.type === 'retry') retries += 1;
    s.emit(e);
  };
  /** The outcome is durable in the journal before anything (rollback file, results) depends on it. */
  const recordOutcome = async (entry: PlanEntry, outcome: EntryRun): Promise<void> => {
    await s.journal.append({
      referralId: entry.referralId,
      event: 'outcome',
      outcome: outcome.outcome,
      ...(outcome.eTag === undefined ? {} : { eTag: outcome.eTag }),
      ...(outcome.message === undefined ? {} : { message: outcome.message }),
      ...(outcome.uncertain ? { uncertain: true } : {}),
    });
  };
  const backoffMs = (n: number): number => Math.round(Math.min(8000, 200 * 2 ** (n - 1)) * (0.5 + s.random() / 2));

  await Promise.allSettled(
    toRun.map(({ entry, resume }) =>
      // The write and its journal outcome hold a slot of the pool; the rollback-file rewrite
      // (which grows with the plan) happens outside it, so it never holds back requests. The
      // entry counts as done only once the rollback file includes it.
      limit(async (): Promise<EntryRun | undefined> => {
        if (stop !== undefined || options.signal?.aborted === true) return undefined;
        emit({ type: 'entry-start', referralId: entry.referralId });
        try {
          const outcome = await applyEntry(
            entry,
            { client: options.client, journal: s.journal, rebase: options.rebase === true, maxAttempts: options.maxAttempts ?? 8, backoffMs, sleep: s.sleep, emit },
            resume,
          );
          await recordOutcome(entry, outcome);
          return outcome;
        } catch (e) {
          // Entries still queued see `stop` and return without sending. Anything unexpected (a
          // journal that cannot be written, a bug) stops the run the same way, so no worker keeps
          // sending after the lock is released.
          stop ??= e instanceof StopRunError ? e : new StopRunError(e);
          return undefined;
        }
      }).then(async (outcome) => {
        if (outcome === undefined) return;
        try {
          if (outcome.outcome === 'applied' && outcome.eTag !== undefined) await s.rollback.add(entry.referralId, outcome.eTag);
        } catch (e) {
          stop ??= new StopRunError(e);
          return;
        }
        const result: EntryResult = {
          ...base(entry),
          outcome: outcome.outcome,
          attempts: outcome.attempts,
          ...(outcome.message === undefined ? {} : { message: outcome.message }),
          ...(outcome.eTag === undefined ? {} : { eTag: outcome.eTag }),
          ...(outcome.changedSincePlan === undefined ? {} : { changedSincePlan: outcome.changedSincePlan }),
          ...(outcome.rebased ? { rebased: true } : {}),
        };
        results.set(entry.referralId, result);
        done += 1;
        emit({ type: 'entry-done', result, done, total: plan.entries.length });
      }),
    ),
  );

  const ordered: EntryResult[] = plan.entries.map(
    (entry) =>
      results.get(entry.referralId) ?? {
        ...base(entry),
        outcome: 'skipped',
        message:
          stop === undefined
            ? 'not started: the run was interrupted; run apply again to continue'
            : `not finished: the run stopped (${stop.message}); run apply again to continue`,
        attempts: 0,
      },
  );
  await writeResultsCsv(s.files.results, ordered);
  if (stop !== undefined) throw stop.reason;

  const counts = Object.fromEntries(ENTRY_OUTCOMES.map((o) => [o, 0])) as Record<EntryOutcome, number>;
  for (const r of ordered) counts[r.outcome] += 1;
  const stats = options.client.stats?.();
  const rollbackBody = s.rollback.body();
  const summary: ApplySummary = {
    planChecksum: plan.checksum,
    kind: plan.kind,
    total: plan.entries.length,
    counts,
    results: ordered,
    exitCode: counts.failed > 0 || counts.skipped > 0 ? 5 : counts.conflict > 0 ? 4 : 0,
    resumed: s.resumed,
    requests: stats?.requests ?? 0,
    retries: retries + (stats?.retries ?? 0),
    durationMs: Date.now() - s.started,
    files: s.files,
    notRestorable: rollbackBody.notRestorable?.length ?? 0,
  };
  s.emit({ type: 'done', summary });
  return summary;
}

function base(entry: PlanEntry): Pick<EntryResult, 'referralId' | 'label' | 'sources'> {
  return { referralId: entry.referralId, sources: entry.sources, ...(entry.label === undefined ? {} : { label: entry.label }) };
}
