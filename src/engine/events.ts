import type { SourceLocation } from '../core/diagnostics.js';
import type { JsonValue } from '../core/referral.js';
import type { PlanKind } from '../core/plan.js';

/**
 * What apply reports. The engine never prints: it returns an ApplySummary and
 * emits ApplyEvents, and the CLI's progress view and the tests listen.
 */
export type EntryOutcome = 'applied' | 'unchanged' | 'conflict' | 'failed' | 'skipped';

export const ENTRY_OUTCOMES: readonly EntryOutcome[] = ['applied', 'unchanged', 'conflict', 'failed', 'skipped'];

/** One touched path whose value on the server differs from the value pinned in the plan. */
export interface FieldDiff {
  path: string;
  /** The before value pinned in the plan. */
  planned: JsonValue;
  /** The value on the server now. */
  now: JsonValue;
}

export interface EntryResult {
  referralId: string;
  label?: string;
  sources: SourceLocation[];
  outcome: EntryOutcome;
  /** Why, for everything but a plain success. */
  message?: string;
  /** For applied entries: the eTag the write returned (the rollback pins it). */
  eTag?: string;
  /** For conflicts: the touched fields someone changed since the plan was made. */
  changedSincePlan?: FieldDiff[];
  /**
   * For an applied entry settled by reading: touched fields someone else changed after refplan's
   * write committed (`planned` is the value refplan wrote). The rollback leaves them alone.
   */
  changedAfterApply?: FieldDiff[];
  /** True when the outcome comes from the journal of an earlier run (no request sent now). */
  earlierRun?: boolean;
  /** True when the write was re-sent on a newer eTag (--rebase). */
  rebased?: boolean;
  /** Write attempts in this run (PATCH requests sent). */
  attempts: number;
}

export interface ApplySummary {
  planChecksum: string;
  kind: PlanKind;
  total: number;
  counts: Record<EntryOutcome, number>;
  results: EntryResult[];
  /** 0 all applied/unchanged; 4 conflicts; 5 other failures (5 wins when there are both). */
  exitCode: 0 | 4 | 5 | 130;
  /** This run resumed an interrupted or earlier run (the journal existed). */
  resumed: boolean;
  requests: number;
  retries: number;
  durationMs: number;
  files: { journal: string; rollback: string; results: string; lock: string };
  /** Entries applied in total that cannot be undone (listed in the rollback file). */
  notRestorable: number;
  /**
   * True when every entry was already settled (applied or unchanged) by earlier runs: nothing
   * was sent ("already applied", or "already restored" for a rollback file).
   */
  alreadyDone?: boolean;
  /** The plan has no entries: nothing was sent and no file (journal, lock, rollback, results) was written. */
  nothingToApply?: boolean;
  /**
   * Stopped by Ctrl+C (exit 130): requests on the wire were finished and journalled; entries
   * that had not sent their write are `skipped` (journalled as such) and the same command sends them.
   */
  interrupted?: boolean;
}

export type ApplyEvent =
  | { type: 'start'; total: number; toRun: number; earlier: number; kind: PlanKind; planChecksum: string; resumed: boolean }
  | { type: 'warning'; message: string }
  | { type: 'entry-start'; referralId: string }
  | { type: 'retry'; referralId?: string; attempt: number; reason: string; delayMs: number }
  | { type: 'throttled'; delayMs: number }
  | { type: 'resolving'; referralId: string; reason: string }
  | { type: 'entry-done'; result: EntryResult; done: number; total: number }
  | { type: 'done'; summary: ApplySummary };

export type ApplyEventListener = (event: ApplyEvent) => void;
