import type { SourceLocation } from './diagnostics.js';
import type { JsonValue, PatchOp } from './referral.js';

/**
 * The plan document: what `plan` writes, `show` renders and `apply` executes.
 * Rollback and migration files use the same format, distinguished by `kind`.
 * specs/plan.schema.json is its schema; keep the two in step.
 */
export const PLAN_FORMAT = 'refplan.plan/1';

export type PlanKind = 'plan' | 'rollback' | 'migration';

export interface PlanEntry {
  /** The referral this entry writes; unique within a plan. */
  referralId: string;
  /** Referral name, for display only. */
  label?: string;
  /** The input rows/lines that asked for this entry (several changes can merge into one entry). */
  sources: SourceLocation[];
  /** The eTag every write of this entry must carry in If-Match. */
  eTag: string;
  /** Value of every touched path before the change; `null` also stands for "absent". */
  before: Record<string, JsonValue>;
  /** Value of every touched path after the change (what apply checks an ambiguous write against). */
  after: Record<string, JsonValue>;
  /** The minimal patch, `replace`/`add` only. */
  ops: PatchOp[];
  /** Ops that undo `ops` (whole-array replace for team additions); empty when nothing is restorable. */
  inverse: PatchOp[];
  /** True when the change cannot be undone through the API (closing a referral, leaving New). */
  irreversible: boolean;
  warnings: string[];
  /**
   * Optional (added by the planner): the status move, `"Active/Accepted"` → `"Closed/Lost"`,
   * present when status or substatus changes. Lets summaries name the move when only one of the two paths is touched.
   */
  transition?: { from: string; to: string };
  /**
   * Optional (added by the planner): the deal currency before and after, present when
   * `dealValue` or `currency` changes, so deal totals are grouped even when the currency is not touched.
   */
  dealCurrency?: { before: string | null; after: string | null };
}

/** An irreversible entry of an applied plan, listed in its rollback file as not restorable. */
export interface NotRestorable {
  referralId: string;
  before: Record<string, JsonValue>;
  reason: string;
}

/** A selected referral that has no entry, and why; a re-plan accounts for every referral this way. */
export interface SettledReferral {
  referralId: string;
  /** `in-place`: it already holds the values (already applied); `terminal`: a where selected it in a terminal state. */
  reason: 'in-place' | 'terminal';
  /** `status/substatus`, for `terminal`. */
  state?: string;
  sources: SourceLocation[];
}

export interface PlanSummary {
  entries: number;
  /** Optional: referrals whose changes were all already in place (no entry in the plan). */
  unchanged?: number;
  /** Optional: referrals a `where` selected in a terminal state, left as they are, by status. */
  terminal?: Record<string, number>;
  ops: number;
  irreversible: number;
  /** Number of entries touching each vocabulary field (or path, for fields outside the vocabulary). */
  byField: Record<string, number>;
  /** "Active/Accepted -> Closed/Lost": count. */
  statusMoves: Record<string, number>;
  /** Deal value totals per currency over the entries that change it. */
  dealValue: Record<string, { before: number; after: number }>;
}

export interface Plan {
  format: typeof PLAN_FORMAT;
  kind: PlanKind;
  createdAt: string;
  baseUrl: string;
  inputs: { file: string; sha256: string }[];
  policy: { reasonRequiredFor: string[] };
  /** Requests planning used (reads), so the cost of a plan is visible. */
  readRequests: number;
  /** Why the plan exists (`plan --message`); the title of every view. */
  message?: string;
  /** For rollback files: the plan whose apply produced it. */
  parentPlanChecksum?: string;
  entries: PlanEntry[];
  /** Optional: every selected referral without an entry (already in place, or terminal and selected by a where). */
  settled?: SettledReferral[];
  notRestorable?: NotRestorable[];
  summary: PlanSummary;
  /** SHA-256 of the canonical JSON of every other field; apply and show refuse a mismatch. */
  checksum: string;
}
