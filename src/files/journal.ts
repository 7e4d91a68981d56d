import { closeSync, existsSync, fdatasync, ftruncateSync, readFileSync, writeSync } from 'node:fs';
import { PlanIntegrityError, FileError } from '../core/errors.js';
import { openPrivateAppend } from './private-file.js';

/**
 * The apply journal: `PLAN.journal.jsonl`, append-only, one JSON object a line.
 *
 * Why it exists: a write to the API and the local record of it can never be
 * atomic together. So every entry's life is written down *before* the next step
 * depends on it: an `intent` line is durable before its PATCH is sent, an
 * `outcome` line is durable before the rollback file or the results count it.
 * After a crash, replaying the journal tells apply which entries are done, which
 * were in flight (intent without outcome: resolved by reading the referral) and
 * which never started.
 *
 * Durability: each line goes to the kernel with one `write` (O_APPEND), then
 * waits for an fdatasync. Syncs are batched ("group commit"): workers that append
 * while a sync runs share the next one, so 16 concurrent workers cost one sync
 * per batch, not one each.
 */
export const JOURNAL_FORMAT = 'refplan.journal/1';

export type JournalOutcome = 'applied' | 'unchanged' | 'conflict' | 'failed' | 'skipped';

export interface JournalHeader {
  seq: 0;
  t: string;
  event: 'header';
  format: typeof JOURNAL_FORMAT;
  planChecksum: string;
  planKind: string;
}

export interface JournalRecord {
  seq: number;
  t: string;
  planChecksum: string;
  referralId: string;
  event: 'intent' | 'outcome';
  /** For intents: the eTag the request carries in If-Match. For applied outcomes: the eTag the write returned. */
  eTag?: string;
  outcome?: JournalOutcome;
  message?: string;
  /** On a failed outcome: the write may have been committed, so the next run counts a match as applied. */
  uncertain?: boolean;
}

export type JournalLine = JournalHeader | JournalRecord;

/** What a journal says about one entry, after replay. */
export interface EntryJournalState {
  /** The last outcome written, if any. */
  outcome?: JournalOutcome;
  /** eTag the applied write returned (for the rollback entry). */
  eTag?: string;
  message?: string;
  /** True when the last line for the entry is an intent: a request may have been sent and committed. */
  inFlight: boolean;
  /** eTag of the last intent (what If-Match carried). */
  intentETag?: string;
  /** The last outcome was failed with the write possibly committed. */
  uncertain?: boolean;
}

export interface JournalReplay {
  /** False when there was no journal file (a fresh run). */
  existed: boolean;
  entries: Map<string, EntryJournalState>;
  lastSeq: number;
  warnings: string[];
}

export function journalPathFor(planPath: string): string {
  return `${stripJson(planPath)}.journal.jsonl`;
}

export function stripJson(path: string): string {
  return path.endsWith('.json') ? path.slice(0, -'.json'.length) : path;
}

/**
 * Reads a journal back. A torn last line (the process died mid-write) is dropped
 * with a warning; a torn line anywhere else, or a header naming another plan, is
 * refused: that journal does not describe this plan's run.
 */
export function replayJournal(path: string, planChecksum: string): JournalReplay {
  const replay: JournalReplay = { existed: false, entries: new Map(), lastSeq: 0, warnings: [] };
  if (!existsSync(path)) return replay;
  replay.existed = true;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new FileError(path, `cannot read the journal ${path}: ${(e as Error).message}`, { cause: e, exitCode: 1 });
  }
  const lines = text.split('\n');
  // A complete file ends with "\n", so the last element is "" and is not a line.
  const last = lines.pop();
  if (last !== undefined && last !== '') lines.push(last);
  const complete = text.endsWith('\n');
  if (lines.length === 0) return replay; // created, then killed before the header was written
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const isLast = i === lines.length - 1;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      if (isLast && !complete) {
        replay.warnings.push(`${path}:${i + 1}: ignoring an incomplete last line (the previous run was interrupted while writing it)`);
        break;
      }
      throw new PlanIntegrityError(
        `${path}:${i + 1}: the journal is damaged: this line is not valid JSON`,
        'The journal is written by refplan only. Restore it from a backup, or move it away to start over (entries already written would then be found by reading the referrals: their eTags changed, so they are reported as conflicts or unchanged, never written twice).',
      );
    }
    if (i === 0) {
      checkHeader(path, parsed, planChecksum);
      continue;
    }
    const rec = parsed as Partial<JournalRecord>;
    if (typeof rec !== 'object' || rec === null || typeof rec.referralId !== 'string' || (rec.event !== 'intent' && rec.event !== 'outcome')) {
      throw new PlanIntegrityError(`${path}:${i + 1}: the journal is damaged: expected an intent or outcome record`);
    }
    if (rec.planChecksum !== planChecksum) {
      throw new PlanIntegrityError(`${path}:${i + 1}: this journal line belongs to another plan (checksum ${String(rec.planChecksum)})`);
    }
    if (typeof rec.seq === 'number') replay.lastSeq = Math.max(replay.lastSeq, rec.seq);
    const state = replay.entries.get(rec.referralId) ?? { inFlight: false };
    if (rec.event === 'intent') {
      state.inFlight = true;
      if (rec.eTag !== undefined) state.intentETag = rec.eTag;
    } else {
      state.inFlight = false;
      if (rec.outcome !== undefined) state.outcome = rec.outcome;
      if (rec.outcome === 'applied') state.eTag = rec.eTag;
      if (rec.message !== undefined) state.message = rec.message;
      else delete state.message;
      if (rec.uncertain === true) state.uncertain = true;
      else delete state.uncertain;
    }
    replay.entries.set(rec.referralId, state);
  }
  return replay;
}

function checkHeader(path: string, parsed: unknown, planChecksum: string): void {
  const h = parsed as Partial<JournalHeader>;
  if (typeof h !== 'object' || h === null || h.event !== 'header' || h.format !== JOURNAL_FORMAT) {
    throw new PlanIntegrityError(
      `${path}:1: not a refplan journal (expected a header line with format "${JOURNAL_FORMAT}")`,
      'Move the file away if it is not needed; refplan creates a new journal when none exists.',
    );
  }
  if (h.planChecksum !== planChecksum) {
    throw new PlanIntegrityError(
      `${path} is the journal of another plan (its header names plan checksum ${String(h.planChecksum).slice(0, 12)}…, this plan is ${planChecksum.slice(0, 12)}…)`,
      'A journal belongs to exactly one plan. If the plan was re-made, its old journal is obsolete: move it away (keep it if you may still need the old run\'s record), then run apply again.',
    );
  }
}

/** An open journal, appending with batched fdatasync. */
export class JournalWriter {
  private readonly fd: number;
  private seq: number;
  private closed = false;
  private syncing = false;
  private waiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  private failure: unknown;

  private constructor(
    readonly path: string,
    fd: number,
    lastSeq: number,
    private readonly planChecksum: string,
    private readonly now: () => Date,
  ) {
    this.fd = fd;
    this.seq = lastSeq;
  }

  /** Opens (creating 0600 with a header when new) the journal of a plan, positioned after `replay`. */
  static async open(path: string, planChecksum: string, planKind: string, replay: JournalReplay, now: () => Date = () => new Date()): Promise<JournalWriter> {
    let fd: number;
    try {
      fd = openPrivateAppend(path, 'journal');
    } catch (e) {
      if (e instanceof FileError) throw e;
      throw new FileError(path, `cannot open the journal ${path} for writing: ${(e as Error).message}`, { cause: e, exitCode: 1 });
    }
    const writer = new JournalWriter(path, fd, replay.lastSeq, planChecksum, now);
    const bytes = replay.existed ? readFileSync(path) : Buffer.alloc(0);
    if (bytes.length > 0 && bytes[bytes.length - 1] !== 0x0a) {
      // Cut off a torn last line (replay already warned about it), so that our
      // records do not glue onto it and it never ends up in the middle of the file.
      ftruncateSync(fd, bytes.lastIndexOf(0x0a) + 1);
    }
    if (bytes.lastIndexOf(0x0a) < 0) {
      const header: JournalHeader = { seq: 0, t: now().toISOString(), event: 'header', format: JOURNAL_FORMAT, planChecksum, planKind };
      writer.writeLine(header);
    }
    await writer.sync();
    return writer;
  }

  /** Appends a record and resolves once it is on disk. */
  append(rec: Omit<JournalRecord, 'seq' | 't' | 'planChecksum'>): Promise<void> {
    if (this.closed) return Promise.reject(new Error('journal is closed'));
    this.seq += 1;
    const line: JournalRecord = { seq: this.seq, t: this.now().toISOString(), planChecksum: this.planChecksum, ...rec };
    this.writeLine(line);
    return this.sync();
  }

  private writeLine(line: JournalLine): void {
    // One write call per line: with O_APPEND a crash can tear only the last line.
    writeSync(this.fd, JSON.stringify(line) + '\n');
  }

  private sync(): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      if (!this.syncing) this.flushBatch();
    });
  }

  private flushBatch(): void {
    const batch = this.waiters;
    this.waiters = [];
    this.syncing = true;
    fdatasync(this.fd, (err) => {
      this.syncing = false;
      if (err) {
        this.failure = new FileError(this.path, `cannot flush the journal ${this.path} to disk: ${err.message}`, { cause: err, exitCode: 1 });
        for (const w of batch) w.reject(this.failure);
        for (const w of this.waiters) w.reject(this.failure);
        this.waiters = [];
        return;
      }
      for (const w of batch) w.resolve();
      if (this.waiters.length > 0) this.flushBatch();
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Waits for any batch in flight (and flushes once more), so close never loses a line.
    await this.sync().catch(() => undefined);
    this.closed = true;
    closeSync(this.fd);
  }
}
