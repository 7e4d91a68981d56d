import { existsSync } from 'node:fs';
import { PlanIntegrityError, FileError } from '../core/errors.js';
import { realFileLayer, writeAll, type FileLayer } from './file-layer.js';
import { openPrivateAppend, writeFailure } from './private-file.js';
import { readTextFileSync, type DecodedText } from './read-text-file.js';

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
 * Durability: each line goes to the kernel whole (a short write is continued),
 * then waits for an fdatasync. Syncs are batched ("group commit"): workers that
 * append while a sync runs share the next one, so 16 concurrent workers cost one
 * sync per batch, not one each.
 *
 * A full disk (or any failed write or sync) makes the writer refuse every later
 * append: after a failed fsync the kernel may have dropped lines it had, so
 * nothing more is trusted to this file in this process. A line torn by the
 * failure is cut off at once when possible, and otherwise on the next open; a
 * line is only ever valid with its newline, so nothing is glued onto a fragment.
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
  /** SHA-256 of the plan file's bytes as this run read and checked them (see readPlanToApply). */
  planFileSha256?: string;
}

export interface JournalRecord {
  seq: number;
  t: string;
  planChecksum: string;
  referralId: string;
  event: 'intent' | 'outcome';
  /**
   * On an applied outcome: touched paths someone else changed after refplan's write committed
   * (seen when the write was settled by reading). The rollback leaves them alone.
   */
  changedByOthers?: string[];
  /** For intents: the eTag the request carries in If-Match. For applied outcomes: the eTag the write returned. */
  eTag?: string;
  outcome?: JournalOutcome;
  message?: string;
  /** On a failed outcome: the write may have been committed, so the next run counts a match as applied. */
  uncertain?: boolean;
}

/** Written once a run's results and rollback files are on disk: a re-run with nothing to do touches no file. */
export interface JournalEnd {
  seq: number;
  t: string;
  planChecksum: string;
  event: 'end';
}

export type JournalLine = JournalHeader | JournalRecord | JournalEnd;

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
  /** Applied, then changed by someone else on these paths (the rollback leaves them alone). */
  changedByOthers?: string[];
}

export interface JournalReplay {
  /** False when there was no journal file (a fresh run). */
  existed: boolean;
  entries: Map<string, EntryJournalState>;
  lastSeq: number;
  warnings: string[];
  /** Bytes of complete lines: anything after them is a torn line the writer cuts off. */
  validBytes: number;
  /** Set when the journal was not plain UTF-8 (a BOM, UTF-16): its complete lines, to be rewritten as UTF-8 before appending. */
  rewriteAsUtf8?: string;
  /** The last line is an `end` record: the results and rollback files were written after the last outcome. */
  ended: boolean;
}

export { journalPathFor, stripJson } from './run-files.js';

/**
 * Reads a journal back. A torn last line (the process died mid-write) is dropped
 * with a warning; a torn line anywhere else, or a header naming another plan, is
 * refused: that journal does not describe this plan's run.
 */
export function replayJournal(path: string, planChecksum: string): JournalReplay {
  const replay: JournalReplay = { existed: false, entries: new Map(), lastSeq: 0, warnings: [], validBytes: 0, ended: false };
  if (!existsSync(path)) return replay;
  replay.existed = true;
  let decoded: DecodedText;
  try {
    // A journal re-saved by an editor or PowerShell (UTF-16, or UTF-8 with a BOM) still reads.
    decoded = readTextFileSync(path);
  } catch (e) {
    throw new FileError(path, `cannot read the journal ${path}: ${(e as Error).message}`, { cause: e, exitCode: 1 });
  }
  // A line counts only with its newline: an unterminated tail was never acknowledged (its fsync
  // never returned), so an intent there was never sent and an outcome there is settled again.
  const complete = decoded.text.slice(0, decoded.text.lastIndexOf('\n') + 1);
  const torn = complete.length < decoded.text.length;
  replay.validBytes = Buffer.byteLength(complete, 'utf8');
  // Appending UTF-8 to a re-encoded journal would mix encodings: the writer rewrites it as UTF-8 first.
  if (decoded.encoding !== 'utf-8') replay.rewriteAsUtf8 = complete;
  const lines = complete.split('\n');
  lines.pop(); // the "" after the last newline
  if (torn) {
    replay.warnings.push(
      `${path}:${lines.length + 1}: ignoring an incomplete last line (the previous run was interrupted, or the disk was full, while writing it); nothing was sent on its account, and a write it would have settled is settled by reading the referral`,
    );
  }
  if (lines.length === 0) return replay; // created, then killed before the header was written
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      throw new PlanIntegrityError(
        `${path}:${i + 1}: the journal is damaged: this line is not valid JSON`,
        'The journal is written by refplan only. Restore it from a backup, or move it away to start over (entries already written would then be found by reading the referrals: their eTags changed, so they are reported as conflicts or unchanged, never written twice).',
      );
    }
    if (i === 0) {
      checkHeader(path, parsed, planChecksum);
      continue;
    }
    const rec = parsed as Partial<JournalRecord> | Partial<JournalEnd>;
    if (typeof rec === 'object' && rec !== null && rec.event === 'end' && rec.planChecksum === planChecksum) {
      if (typeof rec.seq === 'number') replay.lastSeq = Math.max(replay.lastSeq, rec.seq);
      replay.ended = true;
      continue;
    }
    replay.ended = false;
    if (typeof rec !== 'object' || rec === null || !('referralId' in rec) || typeof rec.referralId !== 'string' || (rec.event !== 'intent' && rec.event !== 'outcome')) {
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
      if (rec.outcome === 'applied' && rec.changedByOthers !== undefined && rec.changedByOthers.length > 0) state.changedByOthers = rec.changedByOthers;
      else delete state.changedByOthers;
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
  private seq: number;
  private closed = false;
  private syncing = false;
  private waiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];
  private failure: unknown;
  /** Bytes of complete lines in the file: where a torn line is cut back to. */
  private size: number;

  private constructor(
    readonly path: string,
    private readonly fd: number,
    lastSeq: number,
    size: number,
    private readonly planChecksum: string,
    private readonly now: () => Date,
    private readonly files: FileLayer,
  ) {
    this.seq = lastSeq;
    this.size = size;
  }

  /** Opens (creating 0600 with a header when new) the journal of a plan, positioned after `replay`. */
  static async open(
    path: string,
    planChecksum: string,
    planKind: string,
    replay: JournalReplay,
    now: () => Date = () => new Date(),
    files: FileLayer = realFileLayer,
    planFileSha256?: string,
  ): Promise<JournalWriter> {
    let fd: number;
    try {
      fd = openPrivateAppend(path, files, 'journal');
    } catch (e) {
      throw writeFailure(path, 'the journal', e);
    }
    const writer = new JournalWriter(path, fd, replay.lastSeq, replay.validBytes, planChecksum, now, files);
    try {
      // Cut off a torn last line (replay already warned about it), so that our
      // records do not glue onto it and it never ends up in the middle of the file.
      if (replay.rewriteAsUtf8 !== undefined) {
        files.ftruncateSync(fd, 0);
        writeAll(files, fd, Buffer.from(replay.rewriteAsUtf8, 'utf8'));
      } else if (files.fstatSync(fd).size > replay.validBytes) files.ftruncateSync(fd, replay.validBytes);
      if (replay.validBytes === 0) {
        const header: JournalHeader = {
          seq: 0,
          t: now().toISOString(),
          event: 'header',
          format: JOURNAL_FORMAT,
          planChecksum,
          planKind,
          ...(planFileSha256 === undefined ? {} : { planFileSha256 }),
        };
        writer.writeLine(header);
      }
    } catch (e) {
      files.closeSync(fd);
      throw writeFailure(path, 'the journal', e);
    }
    try {
      await writer.sync();
    } catch (e) {
      files.closeSync(fd);
      throw e;
    }
    return writer;
  }

  /** True once a write or sync failed: every later append is refused. */
  get failed(): boolean {
    return this.failure !== undefined;
  }

  /** Appends a record and resolves once it is on disk; rejects (DiskFullError on a full disk) when it cannot be. */
  append(rec: Omit<JournalRecord, 'seq' | 't' | 'planChecksum'>): Promise<void> {
    if (this.closed) return Promise.reject(new Error('journal is closed'));
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const line: JournalRecord = { seq: this.seq + 1, t: this.now().toISOString(), planChecksum: this.planChecksum, ...rec };
    return this.writeAndSync(line);
  }

  /** Records that the run's results and rollback files are on disk (see JournalEnd). */
  end(): Promise<void> {
    if (this.closed || this.failure !== undefined) return Promise.reject(this.failure ?? new Error('journal is closed'));
    const line: JournalEnd = { seq: this.seq + 1, t: this.now().toISOString(), planChecksum: this.planChecksum, event: 'end' };
    return this.writeAndSync(line);
  }

  /** Writes the next line; the sequence advances only once the line is written, and the promise settles when it is on disk. */
  private writeAndSync(line: JournalLine): Promise<void> {
    try {
      this.writeLine(line);
    } catch (e) {
      return Promise.reject(e);
    }
    this.seq += 1;
    return this.sync();
  }

  private writeLine(line: JournalLine): void {
    const bytes = Buffer.from(JSON.stringify(line) + '\n');
    try {
      writeAll(this.files, this.fd, bytes);
      this.size += bytes.length;
    } catch (e) {
      // Take the fragment back out now if the disk lets us; if not, the next open cuts it off.
      try {
        this.files.ftruncateSync(this.fd, this.size);
      } catch {
        // left for the next open (replay ignores an unterminated last line)
      }
      this.fail(writeFailure(this.path, 'the journal', e));
      throw this.failure;
    }
  }

  private fail(error: unknown): void {
    this.failure ??= error;
    const waiting = this.waiters;
    this.waiters = [];
    for (const w of waiting) w.reject(this.failure);
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
    this.files.fdatasync(this.fd, (err) => {
      this.syncing = false;
      if (err) {
        this.fail(writeFailure(this.path, 'the journal', err));
        for (const w of batch) w.reject(this.failure);
        return;
      }
      // This batch's lines were written before any later failure, and this sync covered them.
      for (const w of batch) w.resolve();
      if (this.failure === undefined && this.waiters.length > 0) this.flushBatch();
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Waits for any batch in flight (and flushes once more), so close never loses a line.
    if (this.failure === undefined) await this.sync().catch(() => undefined);
    this.closed = true;
    this.files.closeSync(this.fd);
  }
}
