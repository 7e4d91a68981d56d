import { plural } from '../core/plural.js';
import { existsSync } from 'node:fs';
import { sleepUnlessAborted } from '../api/abort.js';
import { DiskFullError } from '../core/errors.js';
import { ExitCode } from '../core/exit-codes.js';
import type { Plan, PlanEntry } from '../core/plan.js';
import type { FileLayer } from '../files/file-layer.js';
import { JournalWriter, replayJournal, type EntryJournalState } from '../files/journal.js';
import { acquireLock, LockedError, type AcquireOptions } from '../files/lock-file.js';
import { writeResultsCsv } from '../files/results-csv.js';
import { archivePreviousResults } from '../files/run-archive.js';
import { runFilesFor } from '../files/run-files.js';
import { verifiedFileSha256 } from '../files/verified-plan.js';
import { removeLeftoverTempFiles } from '../files/leftover-temp-files.js';
import { checkPrivateTarget } from '../files/private-file.js';
import { applyEntry, StopRunError, type EntryContext, type EntryRun, type ResumeState, type WriteClient } from './apply-entry.js';
import { diskFullStop } from './disk-full.js';
import { ENTRY_OUTCOMES, type ApplyEvent, type ApplySummary, type EntryOutcome, type EntryResult } from './events.js';
import { RollbackFile } from './rollback-file.js';

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
  /** The file layer the journal, rollback and results files are written through (the real file system by default; tests inject faults). */
  files?: FileLayer;
}


/**
 * Executes a plan (or a rollback file: it is a plan) exactly as reviewed.
 *
 * 1. Lock the plan (one apply at a time), replay its journal.
 * 2. Entries whose last outcome is applied/unchanged are done (an earlier run);
 *    conflict/failed entries run again; entries with an intent but no outcome
 *    are settled by reading the referral before anything is sent.
 * 3. Work on entries concurrently (a fixed pool of workers over the client's shared scheduler);
 *    each entry's outcome is journalled (fsync) before the entry counts as done.
 *    The journal is the rollback's record: no per-entry cost grows with the plan.
 * 4. Seal the rollback file (only when entries were added), write the results
 *    CSV, mark the journal ended, release the lock, return the summary.
 *
 * A plan every entry of which earlier runs settled is a no-op: nothing is sent,
 * `alreadyDone` is set, and no file changes (unless an earlier run ended before
 * writing its files, which this one then writes).
 *
 * Never prints; progress goes out as events. A 401/403 stops the run: entries
 * not started are reported skipped, and the error is thrown after the files
 * are written (the journal lets the next run resume). A full disk (ENOSPC,
 * EDQUOT, EIO on any of these files) stops sending at once: requests in flight
 * finish, and a DiskFullError (exit 6) says how many entries are settled.
 */
export async function applyPlan(plan: Plan, options: ApplyOptions): Promise<ApplySummary> {
  const started = Date.now();
  const emit = options.onEvent ?? (() => undefined);
  const now = options.now ?? (() => new Date());
  const random = options.random ?? Math.random;
  // A retry delay ends at once on Ctrl+C (its timer would otherwise hold the process up to 8 s).
  const sleep = options.sleep ?? ((ms: number) => sleepUnlessAborted(ms, options.signal));
  const files = runFilesFor(options.planPath);
  // An empty plan is answered without a lock, a journal, a rollback file or a results file:
  // three files that say "nothing happened" are noise the user would have to clean up. The
  // checks still run (read-only): a planted link or another plan's journal is refused all the same.
  if (plan.entries.length === 0) {
    checkPrivateTarget(files.journal, 'journal', { append: true });
    checkPrivateTarget(files.rollback, 'rollback file');
    checkPrivateTarget(files.results, 'results file');
    replayJournal(files.journal, plan.checksum);
    return nothingToApply(plan, files, emit, started);
  }

  // Should another machine take the lock over (this process stalled past the heartbeat timeout),
  // nothing more is sent: two applies of one plan must never run at once.
  const lockLost: { error?: LockedError } = {};
  const lock = acquireLock(files.lock, plan.checksum, {
    ...options.lock,
    onLost: (message) => {
      lockLost.error = new LockedError(message, 'Another apply of this plan is running now; let it finish. Running apply again afterwards resumes where both ended.');
    },
  });
  if (lock.tookOver !== undefined) emit({ type: 'warning', message: lock.tookOver });
  try {
    // Every file this run writes is checked before anything is sent: a planted link (or a file
    // of another user) is refused now, not after the referrals changed; a wider mode is narrowed.
    checkPrivateTarget(files.journal, 'journal', { append: true });
    checkPrivateTarget(files.rollback, 'rollback file');
    checkPrivateTarget(files.results, 'results file');
    const leftovers = removeLeftoverTempFiles([options.planPath, files.rollback, files.results], files.lock, options.lock?.probe);
    if (leftovers.length > 0) {
      emit({ type: 'warning', message: `removed ${plural(leftovers.length, 'temp file')} an interrupted run left behind: ${leftovers.join(', ')}` });
    }
    const replay = replayJournal(files.journal, plan.checksum);
    for (const w of replay.warnings) emit({ type: 'warning', message: w });
    const rollback = new RollbackFile(files.rollback, plan, options.planPath, now, options.files);
    await rollback.adoptExisting((id) => journalApplied(replay.entries.get(id)));
    let journal: JournalWriter;
    try {
      journal = await JournalWriter.open(files.journal, plan.checksum, plan.kind, replay, now, options.files, verifiedFileSha256(plan));
    } catch (e) {
      if (e instanceof DiskFullError) throw diskFullStop(e, { settled: countSettled(plan, replay.entries), total: plan.entries.length, files, inFlight: 0 });
      throw e;
    }
    try {
      return await run(plan, options, { lockLost, emit, random, sleep, files, journal, rollback, states: replay.entries, resumed: replay.existed, ended: replay.ended, fileLayer: options.files, started });
    } finally {
      await journal.close();
    }
  } finally {
    lock.release();
  }
}

function nothingToApply(plan: Plan, files: ApplySummary['files'], emit: (e: ApplyEvent) => void, started: number): ApplySummary {
  const counts = Object.fromEntries(ENTRY_OUTCOMES.map((o) => [o, 0])) as Record<EntryOutcome, number>;
  const summary: ApplySummary = {
    planChecksum: plan.checksum, kind: plan.kind, total: 0, counts, results: [], exitCode: 0, resumed: false,
    requests: 0, retries: 0, durationMs: Date.now() - started, files, notRestorable: 0, nothingToApply: true,
  };
  emit({ type: 'done', summary });
  return summary;
}

function journalApplied(state: EntryJournalState | undefined): boolean {
  return state?.outcome === 'applied' && state.eTag !== undefined;
}

/** Entries whose outcome is on disk in the journal (not in flight, not skipped by a Ctrl+C). */
function countSettled(plan: Plan, states: Map<string, EntryJournalState>): number {
  let n = 0;
  for (const e of plan.entries) {
    const s = states.get(e.referralId);
    if (s !== undefined && !s.inFlight && s.outcome !== undefined && s.outcome !== 'skipped') n += 1;
  }
  return n;
}

interface RunState {
  emit: (e: ApplyEvent) => void;
  /** Set when another apply took our lock over: stop sending. */
  lockLost: { error?: LockedError };
  random: () => number;
  sleep: (ms: number) => Promise<void>;
  files: ApplySummary['files'];
  journal: JournalWriter;
  rollback: RollbackFile;
  states: Map<string, EntryJournalState>;
  resumed: boolean;
  /** The journal's last line is its end record: the files were written after the last outcome. */
  ended: boolean;
  fileLayer: FileLayer | undefined;
  started: number;
}

async function run(plan: Plan, options: ApplyOptions, s: RunState): Promise<ApplySummary> {
  const results = new Map<string, EntryResult>();
  const toRun: { entry: PlanEntry; resume?: ResumeState }[] = [];
  for (const entry of plan.entries) {
    const state = s.states.get(entry.referralId);
    if (journalApplied(state)) s.rollback.record(entry.referralId, state!.eTag!, state!.changedByOthers);
    if (state !== undefined && !state.inFlight && (state.outcome === 'applied' || state.outcome === 'unchanged')) {
      const result = base(entry, 'unchanged');
      result.message = state.outcome === 'applied' ? EARLIER_APPLIED : EARLIER_UNCHANGED;
      if (state.eTag !== undefined) result.eTag = state.eTag;
      result.earlierRun = true;
      results.set(entry.referralId, result);
      continue;
    }
    const resume: ResumeState = { inFlight: state?.inFlight === true };
    if (state?.intentETag !== undefined && state.inFlight) resume.intentETag = state.intentETag;
    if (state?.uncertain === true) resume.uncertain = true;
    toRun.push({ entry, resume });
  }
  s.emit({ type: 'start', total: plan.entries.length, toRun: toRun.length, earlier: results.size, kind: plan.kind, planChecksum: plan.checksum, resumed: s.resumed });
  if (toRun.length === 0) return alreadyDone(plan, options, s, results);

  const concurrency = Math.max(1, options.concurrency ?? 32);
  let stop: StopRunError | undefined;
  let retries = 0;
  let done = results.size;
  let settled = countSettled(plan, s.states);
  /** Entries whose request went out but whose outcome could not be journalled (the disk filled). */
  const unjournalled = new Set<string>();
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
      ...(outcome.changedAfterApply === undefined || outcome.changedAfterApply.length === 0 ? {} : { changedByOthers: outcome.changedAfterApply.map((d) => d.path) }),
    });
  };
  const backoffMs = (n: number): number => Math.round(Math.min(8000, 200 * 2 ** (n - 1)) * (0.5 + s.random() / 2));
  const entryContext: EntryContext = {
    client: options.client,
    journal: s.journal,
    rebase: options.rebase === true,
    maxAttempts: options.maxAttempts ?? 8,
    backoffMs,
    sleep: s.sleep,
    emit,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  };

  /** One entry: its write loop, then its outcome in the journal; undefined when it did not finish. */
  const work = async ({ entry, resume }: { entry: PlanEntry; resume?: ResumeState }): Promise<EntryRun | undefined> => {
    emit({ type: 'entry-start', referralId: entry.referralId });
    let outcome: EntryRun;
    try {
      outcome = await applyEntry(entry, entryContext, resume);
    } catch (e) {
      // Entries not started yet see `stop` and are not sent. Anything unexpected (an intent that
      // cannot be journalled, a bug) stops the run the same way, so no worker keeps sending
      // after the lock is released.
      stop ??= e instanceof StopRunError ? e : new StopRunError(e);
      return undefined;
    }
    try {
      // Interrupted with a write that may have committed: its intent stays the last line, so
      // the next run settles it by reading. Otherwise even "skipped" is journalled.
      if (outcome.keepIntent !== true) await recordOutcome(entry, outcome);
    } catch (e) {
      // Sent, but the outcome is not durable: the next run settles it by reading.
      unjournalled.add(entry.referralId);
      stop ??= new StopRunError(e);
      return undefined;
    }
    if (outcome.outcome !== 'skipped') settled += 1;
    if (outcome.outcome === 'applied' && outcome.eTag !== undefined) {
      s.rollback.record(entry.referralId, outcome.eTag, outcome.changedAfterApply?.map((d) => d.path));
    }
    return outcome;
  };
  const report = (entry: PlanEntry, outcome: EntryRun): void => {
    const result = base(entry, outcome.outcome);
    result.attempts = outcome.attempts;
    if (outcome.message !== undefined) result.message = outcome.message;
    if (outcome.eTag !== undefined) result.eTag = outcome.eTag;
    if (outcome.changedSincePlan !== undefined) result.changedSincePlan = outcome.changedSincePlan;
    if (outcome.changedAfterApply !== undefined && outcome.changedAfterApply.length > 0) result.changedAfterApply = outcome.changedAfterApply;
    if (outcome.rebased) result.rebased = true;
    results.set(entry.referralId, result);
    done += 1;
    emit({ type: 'entry-done', result, done, total: plan.entries.length });
  };
  // A fixed pool of workers taking the next entry in plan order: memory is the plan plus the
  // results, not a pending promise per entry (a 50,000-entry plan would hold 50,000 of them).
  // The entry counts as done once its outcome is durable in the journal; the rollback file is
  // derived from the journal and sealed when the run ends.
  let next = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      // Another machine took the lock over (this run stalled past the heartbeat): stop sending.
      if (s.lockLost.error !== undefined) stop ??= new StopRunError(s.lockLost.error);
      if (next >= toRun.length || stop !== undefined || options.signal?.aborted === true) return;
      const item = toRun[next++]!;
      const outcome = await work(item);
      try {
        if (outcome !== undefined) report(item.entry, outcome);
      } catch (e) {
        // A listener that throws stops the run like any other surprise; no worker is left sending.
        stop ??= new StopRunError(e);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, toRun.length) }, worker));

  const interrupted = options.signal?.aborted === true;
  if (interrupted && stop === undefined) await journalNotStarted(toRun, results, s);
  const notFinished =
    stop === undefined ? 'not started: the run was interrupted (Ctrl+C); running the same command again sends it' : `not finished: the run stopped (${stop.message}); run apply again to continue`;
  const ordered: EntryResult[] = plan.entries.map((entry) => {
    const done = results.get(entry.referralId);
    if (done !== undefined) return done;
    const skipped = base(entry, 'skipped');
    skipped.message = unjournalled.has(entry.referralId)
      ? `sent, but its outcome could not be written to the journal (${stop?.message ?? 'write failed'}); the next run settles it by reading the referral`
      : notFinished;
    return skipped;
  });
  const diskFull = await writeRunFiles(plan, s, ordered, stop);
  if (diskFull !== undefined) {
    throw diskFullStop(diskFull, { settled, total: plan.entries.length, files: s.files, inFlight: unjournalled.size });
  }
  if (stop !== undefined) throw stop.reason;

  return finish(plan, options, s, ordered, retries, false, interrupted);
}

/**
 * After Ctrl+C: the entries that never started are journalled as skipped, so the journal says
 * what became of every entry of this run. Only entries without an earlier record: a line would
 * otherwise hide an earlier run's write in flight or uncertain, which the next run must settle.
 * Best effort: the journal is what it was without these lines, and a resume is exact either way.
 */
async function journalNotStarted(toRun: readonly { entry: PlanEntry }[], results: Map<string, EntryResult>, s: RunState): Promise<void> {
  const lines = toRun
    .filter(({ entry }) => !results.has(entry.referralId) && s.states.get(entry.referralId) === undefined)
    .map(({ entry }) =>
      s.journal.append({ referralId: entry.referralId, event: 'outcome', outcome: 'skipped', message: 'not started: the run was interrupted (Ctrl+C)' }),
    );
  await Promise.all(lines).catch(() => undefined);
}

/**
 * Seals the rollback file and writes the results, then marks the journal ended. Both are
 * attempted even when the run stopped; a full disk is returned (the caller reports it with the
 * run's counts), any other failure thrown, after the other file was tried.
 */
async function writeRunFiles(plan: Plan, s: RunState, ordered: EntryResult[], stop: StopRunError | undefined): Promise<DiskFullError | undefined> {
  let diskFull = stop?.reason instanceof DiskFullError ? stop.reason : undefined;
  let other: unknown;
  const attempt = async (write: () => Promise<unknown>): Promise<void> => {
    try {
      await write();
    } catch (e) {
      if (e instanceof DiskFullError) diskFull ??= e;
      else other ??= e;
    }
  };
  await attempt(() => s.rollback.seal());
  await attempt(async () => {
    archivePreviousResults(s.files.results); // results are history: the previous run's file is kept
    await writeResultsCsv(s.files.results, ordered, s.fileLayer === undefined ? {} : { files: s.fileLayer });
  });
  if (diskFull === undefined && other === undefined && stop === undefined) await s.journal.end().catch(() => undefined);
  if (other !== undefined && diskFull === undefined) throw other;
  return diskFull;
}

/**
 * Every entry settled by earlier runs: nothing to send. The files are written only when the
 * last run did not get to it (the journal has no end record after its last outcome, or a file
 * is missing), so a re-run of a finished apply or rollback changes nothing at all.
 */
async function alreadyDone(plan: Plan, options: ApplyOptions, s: RunState, results: Map<string, EntryResult>): Promise<ApplySummary> {
  const ordered = plan.entries.map((e) => results.get(e.referralId)!);
  if (!s.ended || !existsSync(s.files.rollback) || !existsSync(s.files.results)) {
    const diskFull = await writeRunFiles(plan, s, ordered, undefined);
    if (diskFull !== undefined) throw diskFullStop(diskFull, { settled: plan.entries.length, total: plan.entries.length, files: s.files, inFlight: 0 });
  }
  return finish(plan, options, s, ordered, 0, true);
}

function finish(plan: Plan, options: ApplyOptions, s: RunState, ordered: EntryResult[], retries: number, done: boolean, interrupted = false): ApplySummary {
  const counts = Object.fromEntries(ENTRY_OUTCOMES.map((o) => [o, 0])) as Record<EntryOutcome, number>;
  for (const r of ordered) counts[r.outcome] += 1;
  const stats = options.client.stats?.();
  const summary: ApplySummary = {
    planChecksum: plan.checksum,
    kind: plan.kind,
    total: plan.entries.length,
    counts,
    results: ordered,
    exitCode: interrupted ? ExitCode.interrupted : counts.failed > 0 || counts.skipped > 0 ? 5 : counts.conflict > 0 ? 4 : 0,
    resumed: s.resumed,
    requests: stats?.requests ?? 0,
    retries: retries + (stats?.retries ?? 0),
    durationMs: Date.now() - s.started,
    files: s.files,
    notRestorable: s.rollback.notRestorableCount(),
    ...(done ? { alreadyDone: true } : {}),
    ...(interrupted ? { interrupted: true } : {}),
  };
  s.emit({ type: 'done', summary });
  return summary;
}

/**
 * The start of an entry's result, completed by assignment: a resumed 50,000-entry run makes
 * 25,000 of these before its first request, and object spreads cost it a few hundred ms.
 */
function base(entry: PlanEntry, outcome: EntryOutcome): EntryResult {
  const result = { referralId: entry.referralId, sources: entry.sources } as EntryResult;
  if (entry.label !== undefined) result.label = entry.label;
  result.outcome = outcome;
  result.attempts = 0;
  return result;
}

const EARLIER_APPLIED = 'applied by an earlier run (journal); not sent again';
const EARLIER_UNCHANGED = 'found already in the target state by an earlier run (journal); not sent again';
