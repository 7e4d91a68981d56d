import { error, warning, type Diagnostic, type SourceLocation } from '../diagnostics.js';
import type { Change } from '../changeset.js';
import { allowedSubstatuses, clientSubstatuses, isValidPair, type TransitionTable } from '../transitions.js';

/**
 * The offline status rules, as small functions that push diagnostics
 * (changesets' config rules). The planner judges the actual move later, on the
 * document after the patch; these catch what is wrong whatever the referral holds.
 */
export interface RuleInput {
  set: Change['set'];
  locations: Map<string, SourceLocation>;
  at: SourceLocation;
  /** A row pinned to an exported eTag repeats current values; only real moves (judged by the planner) count. */
  pinned: boolean;
  table: TransitionTable;
  report: (d: Diagnostic) => void;
}

type Rule = (input: RuleInput) => void;

const inList = (list: readonly string[], v: unknown) => typeof v === 'string' && list.some((x) => x.toLowerCase() === v.toLowerCase());

const where = (input: RuleInput, field: string) => input.locations.get(`/set/${field}`) ?? input.at;

/** Expired, Error and None are set only by the service. */
export const checkSystemOnly: Rule = (input) => {
  if (input.pinned) return;
  const { status, substatus } = input.set;
  if (inList(input.table.systemOnly.status, status)) {
    input.report(error('system-only', `status ${String(status)} is set only by the service`, { at: where(input, 'status'), text: String(status), hint: `set one of ${input.table.statuses.join(', ')}` }));
  }
  if (inList(input.table.systemOnly.substatus, substatus)) {
    input.report(
      error('system-only', `substatus ${String(substatus)} is set only by the service; a client cannot set it`, {
        at: where(input, 'substatus'),
        text: String(substatus),
        hint: 'to end a referral, close it as won, lost or declined (close: lost)',
      }),
    );
  }
};

/** Status and substatus must be a pair that can exist together. */
export const checkStatusPair: Rule = (input) => {
  const { status, substatus } = input.set;
  if (typeof status === 'string' && typeof substatus === 'string') {
    if (!isValidPair(input.table, status, substatus)) {
      const allowed = clientSubstatuses(input.table, status);
      input.report(
        error('invalid-pair', `substatus ${substatus} cannot go with status ${status}`, {
          at: where(input, 'substatus'),
          text: `${status}/${substatus}`,
          hint: allowed.length > 0 ? `with status ${status} use substatus ${allowed.join(' or ')}` : `status ${status} takes no substatus a client can set`,
        }),
      );
    }
  } else if (typeof status === 'string' && !input.locations.has('/set/substatus') && !input.pinned) {
    input.report(
      warning('status-without-substatus', `status ${status} is set without a substatus; the plan refuses it unless the referral's current substatus fits`, {
        at: where(input, 'status'),
        hint: `set substatus too (${clientSubstatuses(input.table, status).join(' or ')}), or use close:/accept:`,
      }),
    );
  } else if (typeof substatus === 'string' && !input.locations.has('/set/status') && !input.pinned) {
    const statuses = input.table.statuses.filter((s) => allowedSubstatuses(input.table, s).some((x) => x.toLowerCase() === substatus.toLowerCase()));
    if (statuses.length > 0) {
      input.report(
        warning('substatus-without-status', `substatus ${substatus} is set without a status; it is valid only on a referral whose status is already ${statuses.join(' or ')}`, {
          at: where(input, 'substatus'),
          hint: `set status: ${statuses[0] ?? ''} too`,
        }),
      );
    }
  }
  if (status === null || substatus === null) {
    input.report(error('not-clearable', 'status and substatus cannot be cleared', { at: where(input, status === null ? 'status' : 'substatus'), hint: 'write a value' }));
  }
};

/** refplan's policy (specs/transitions.json policy.reasonRequiredFor): closing as Lost or Declined needs a reason. */
export const checkReasonPolicy: Rule = (input) => {
  if (input.pinned) return;
  const { substatus, statusReason } = input.set;
  if (inList(input.table.policy.reasonRequiredFor, substatus) && (typeof statusReason !== 'string' || statusReason.trim() === '')) {
    input.report(
      error('reason-required', `closing as ${String(substatus)} needs a reason (refplan policy)`, {
        at: where(input, 'substatus'),
        hint: 'add reason: <why> (YAML) or fill the statusReason column (CSV)',
      }),
    );
  }
};

export const CHANGE_RULES: readonly Rule[] = [checkSystemOnly, checkStatusPair, checkReasonPolicy];

export function checkChangeRules(input: RuleInput): void {
  for (const rule of CHANGE_RULES) rule(input);
}
