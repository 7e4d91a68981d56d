import type { Change, NewTeamMember } from './changeset.js';
import { error, type Diagnostic } from './diagnostics.js';
import { isObject } from './json-pointer.js';
import { jsonEqual } from './patch.js';
import { shortLocation } from './plan-messages.js';
import type { JsonValue } from './referral.js';
import { leafRules, type WritablePathRule, type WritablePathTable } from './writable-paths.js';

/**
 * First planning step for one referral: merge every change aimed at it into one
 * set of field values, team additions and an eTag pin, checking values against
 * their writable-path kind. Two changes setting one field differently is an error
 * naming both sources, never a silent "last one wins".
 */

export interface MergedChanges {
  /** Vocabulary field → value, with the change that set it first. */
  fields: Map<string, { value: JsonValue; change: Change }>;
  members: { member: NewTeamMember; change: Change }[];
  /** The eTag the changes pin (CSV `eTag` column), if any. */
  pin: string | undefined;
  errors: Diagnostic[];
}

export function normalise(rule: WritablePathRule, raw: unknown): { value: JsonValue } | { reason: string } {
  if (raw === null) return rule.nullable === true ? { value: null } : { reason: `${rule.field} cannot be cleared (the API needs a value)` };
  if (rule.kind === 'number') {
    if (typeof raw === 'number' && Number.isFinite(raw)) return { value: raw };
    if (typeof raw === 'string' && /^-?\d+(\.\d+)?$/.test(raw.trim())) return { value: Number(raw.trim()) };
    return { reason: `${rule.field} must be a number, got ${JSON.stringify(raw) ?? String(raw)}` };
  }
  if (rule.kind === 'array' || rule.kind === 'member') return { reason: `${rule.field} cannot be set directly; use addTeamMember` };
  if (typeof raw === 'string') return { value: raw };
  return { reason: `${rule.field} must be text, got ${JSON.stringify(raw) ?? String(raw)}` };
}

/** The member as sent to the API: only its string properties, nothing else the input carried. */
export function memberValue(m: NewTeamMember): JsonValue {
  const out: { [k: string]: JsonValue } = {};
  for (const k of ['email', 'firstName', 'lastName', 'phoneNumber'] as const) {
    const v = m[k];
    if (typeof v === 'string') out[k] = v;
  }
  return out;
}

export function mergeChanges(id: string, changes: readonly Change[], writablePaths: WritablePathTable): MergedChanges {
  const errors: Diagnostic[] = [];
  const rules = new Map(leafRules(writablePaths).map((r) => [r.field, r] as const));
  const merged = new Map<string, { value: JsonValue; change: Change }>();
  const members: { member: NewTeamMember; change: Change }[] = [];
  const pins = new Map<string, Change>();

  for (const change of changes) {
    const at = change.source;
    const set = isObject(change.set) ? (change.set as Record<string, unknown>) : {};
    for (const field of Object.keys(set)) {
      const rule = rules.get(field);
      if (rule === undefined) {
        errors.push(error('not-writable', `${shortLocation(at)} (referral ${id}): "${field}" is not a field refplan can set`, { at, referralId: id }));
        continue;
      }
      const norm = normalise(rule, set[field]);
      if ('reason' in norm) {
        errors.push(error('invalid-value', `${shortLocation(at)} (referral ${id}): ${norm.reason}`, { at, referralId: id }));
        continue;
      }
      const earlier = merged.get(field);
      if (earlier !== undefined && !jsonEqual(earlier.value, norm.value)) {
        errors.push(
          error(
            'conflicting-changes',
            `${shortLocation(at)} (referral ${id}): sets ${field} to ${JSON.stringify(norm.value)}, but ${shortLocation(earlier.change.source)} sets it to ${JSON.stringify(earlier.value)}`,
            { at, referralId: id, hint: 'Keep one of the two values; a referral can be changed only one way per plan.' },
          ),
        );
        continue;
      }
      if (earlier === undefined) merged.set(field, { value: norm.value, change });
    }
    for (const member of Array.isArray(change.addTeamMembers) ? change.addTeamMembers : []) {
      if (!isObject(member) || typeof member.email !== 'string' || member.email.trim() === '') {
        errors.push(error('invalid-team-member', `${shortLocation(at)} (referral ${id}): a team member needs an email`, { at, referralId: id }));
      } else {
        members.push({ member: member as unknown as NewTeamMember, change });
      }
    }
    if (typeof change.pinnedETag === 'string') {
      const other = [...pins.entries()].find(([tag]) => tag !== change.pinnedETag);
      if (other !== undefined) {
        errors.push(
          error('conflicting-pins', `${shortLocation(at)} (referral ${id}): pins eTag ${change.pinnedETag}, but ${shortLocation(other[1].source)} pins ${other[0]}`, {
            at,
            referralId: id,
            hint: 'Export the referral again and edit one row for it.',
          }),
        );
      }
      pins.set(change.pinnedETag, change);
    }
  }
  return { fields: merged, members, pin: [...pins.keys()][0], errors };
}
