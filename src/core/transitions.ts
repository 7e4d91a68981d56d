/**
 * Judges status/substatus moves against the transition table it is given
 * (specs/transitions.json). Pure: the table is data, never restated here.
 */

export interface TransitionTable {
  statuses: string[];
  moves: Record<string, string[]>;
  substatusByStatus: Record<string, string[]>;
  terminalSubstatuses: string[];
  systemOnly: { status: string[]; substatus: string[] };
  policy: { reasonRequiredFor: string[] };
  shorthands: {
    close: Record<string, { status: string; substatus: string }>;
    accept: { status: string; substatus: string };
  };
  create: { status: string; substatus: string };
}

export interface ReferralState {
  status?: string | null | undefined;
  substatus?: string | null | undefined;
  statusReason?: string | null | undefined;
}

export type TransitionViolation =
  | { code: 'terminal'; message: string }
  | { code: 'forbidden-move'; message: string; allowed: string[] }
  | { code: 'substatus-not-allowed'; message: string; allowed: string[] }
  | { code: 'system-only'; message: string }
  | { code: 'reason-required'; message: string };

export interface JudgeOptions {
  /** Apply refplan's reason policy (a client option; the emulator judges without it). */
  enforcePolicy?: boolean;
  /** Whether the write changes anything at all; a terminal referral refuses every edit. */
  isEdit?: boolean;
}

function same(a: string | null | undefined, b: string | null | undefined): boolean {
  return (a ?? '').toLowerCase() === (b ?? '').toLowerCase();
}

function includesCi(list: readonly string[], value: string | null | undefined): boolean {
  return list.some((v) => same(v, value));
}

export function isTerminal(table: TransitionTable, state: ReferralState): boolean {
  return includesCi(table.terminalSubstatuses, state.substatus);
}

/** Status moves allowed from a status (empty for an unknown one). */
export function allowedMoves(table: TransitionTable, fromStatus: string | null | undefined): string[] {
  const key = Object.keys(table.moves).find((s) => same(s, fromStatus));
  return key === undefined ? [] : (table.moves[key] ?? []);
}

export function allowedSubstatuses(table: TransitionTable, status: string | null | undefined): string[] {
  const key = Object.keys(table.substatusByStatus).find((s) => same(s, status));
  return key === undefined ? [] : (table.substatusByStatus[key] ?? []);
}

/** Substatuses a client may set with a status: the table's row less the system-only values. */
export function clientSubstatuses(table: TransitionTable, status: string | null | undefined): string[] {
  return allowedSubstatuses(table, status).filter((s) => !includesCi(table.systemOnly.substatus, s));
}

/** Whether a status/substatus pair can exist at all (offline check, no current state needed). */
export function isValidPair(table: TransitionTable, status: string, substatus: string): boolean {
  return includesCi(allowedSubstatuses(table, status), substatus);
}

/**
 * Judges the move from `before` to `after`, where `after` is the whole document
 * after the whole patch (status and substatus change together).
 */
export function judgeTransition(
  table: TransitionTable,
  before: ReferralState,
  after: ReferralState,
  options: JudgeOptions = {},
): TransitionViolation[] {
  const isEdit = options.isEdit ?? true;
  const describe = (s: ReferralState) => `${s.status ?? '?'}/${s.substatus ?? '?'}`;
  if (isEdit && isTerminal(table, before)) {
    return [
      {
        code: 'terminal',
        message: `the referral is ${describe(before)}, a terminal state: it can no longer be edited`,
      },
    ];
  }
  const violations: TransitionViolation[] = [];
  const statusChanged = !same(before.status, after.status);
  const substatusChanged = !same(before.substatus, after.substatus);
  if (statusChanged) {
    const allowed = allowedMoves(table, before.status);
    if (!includesCi(allowed, after.status)) {
      violations.push({
        code: 'forbidden-move',
        message: `status cannot move from ${before.status ?? '(none)'} to ${after.status ?? '(none)'}`,
        allowed,
      });
    }
  }
  if (statusChanged || substatusChanged) {
    if (includesCi(table.systemOnly.status, after.status) || includesCi(table.systemOnly.substatus, after.substatus)) {
      violations.push({
        code: 'system-only',
        message: `${describe(after)} is set only by the service; a client cannot set it`,
      });
    } else if (!includesCi(allowedSubstatuses(table, after.status), after.substatus)) {
      violations.push({
        code: 'substatus-not-allowed',
        message: `substatus ${after.substatus ?? '(none)'} is not allowed with status ${after.status ?? '(none)'}`,
        allowed: clientSubstatuses(table, after.status),
      });
    }
    if (
      options.enforcePolicy === true &&
      substatusChanged &&
      includesCi(table.policy.reasonRequiredFor, after.substatus) &&
      (after.statusReason ?? '').trim() === ''
    ) {
      violations.push({
        code: 'reason-required',
        message: `closing as ${after.substatus} needs a statusReason (refplan policy)`,
      });
    }
  }
  return violations;
}

/**
 * A move is irreversible when the table does not allow the way back: closing a
 * referral, or leaving New. Derived from the table rather than listed.
 */
export function isIrreversibleMove(table: TransitionTable, before: ReferralState, after: ReferralState): boolean {
  if (same(before.status, after.status)) return isTerminal(table, after) && !isTerminal(table, before);
  return !includesCi(allowedMoves(table, after.status), before.status);
}
