import type { SourceLocation } from './diagnostics.js';
import {
  allowedMoves,
  clientSubstatuses,
  type ReferralState,
  type TransitionTable,
  type TransitionViolation,
} from './transitions.js';

/**
 * Wording of the planner's diagnostics, kept apart from the planning logic.
 * Messages start with the input position (`row 7`, `line 3`) and the referral,
 * because a plan of thousands of rows is read by someone who has to find the row.
 */

/** `row 7` (CSV) or `line 3` (YAML); the diagnostic's `at` carries the file. */
export function shortLocation(at: unknown): string {
  if (typeof at === 'object' && at !== null) {
    const loc = at as Partial<Record<'row' | 'line', unknown>>;
    if (typeof loc.row === 'number') return `row ${loc.row}`;
    if (typeof loc.line === 'number') return `line ${loc.line}`;
  }
  return 'input';
}

function joinLocations(sources: readonly SourceLocation[]): string {
  const names = [...new Set(sources.map(shortLocation))];
  if (names.length <= 1) return names[0] ?? 'input';
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

const list = (values: readonly string[]) => (values.length === 0 ? 'none' : values.join(', '));

/** The message and hint for a transition violation: where, which referral, the state now, and what is allowed. */
export function explainViolation(
  table: TransitionTable,
  violation: TransitionViolation,
  sources: readonly SourceLocation[],
  referralId: string,
  current: ReferralState,
): { message: string; hint: string } {
  const head = `${joinLocations(sources)} (referral ${referralId})`;
  const now = `${current.status ?? '?'}/${current.substatus ?? '?'}`;
  switch (violation.code) {
    case 'terminal':
      return {
        message: `${head}: ${violation.message}; allowed: none`,
        hint: 'Remove this change: a closed referral (Won, Lost, Declined, Expired) cannot be edited through the API.',
      };
    case 'forbidden-move':
      return {
        message: `${head}: ${violation.message} (it is ${now} now); allowed: ${list(violation.allowed)}`,
        hint: `From ${current.status ?? '?'} a referral can move to ${list(allowedMoves(table, current.status))}; there are no backward moves.`,
      };
    case 'substatus-not-allowed':
      return {
        message: `${head}: ${violation.message} (it is ${now} now); allowed: ${list(violation.allowed)}`,
        hint: 'Set status and substatus together, e.g. `close: lost` or `accept: true`.',
      };
    case 'system-only':
      return {
        message: `${head}: ${violation.message} (it is ${now} now); allowed: ${list(allowedMoves(table, current.status))}`,
        hint: `Only the service sets Expired; close as ${list(clientSubstatuses(table, 'Closed'))} instead.`,
      };
    case 'reason-required':
      return {
        message: `${head}: ${violation.message} (it is ${now} now)`,
        hint: 'Add a reason: `reason: ...` in YAML, or a statusReason cell in CSV.',
      };
    default: {
      const never: never = violation;
      return { message: `${head}: ${String((never as { message?: unknown }).message)}`, hint: '' };
    }
  }
}
