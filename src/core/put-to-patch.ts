import { escapeSegment, getAt, isObject, valueAt } from './json-pointer.js';
import { applyOps, jsonEqual, leafEqual, opsForLeaves, sameOrBothEmpty, type LeafTarget } from './patch.js';
import type { JsonValue, PatchOp, Referral } from './referral.js';
import { judgeTransition, type ReferralState, type TransitionTable } from './transitions.js';
import { leafRules, teamArrayPath, type WritablePathRule, type WritablePathTable } from './writable-paths.js';

/**
 * Legacy full-document PUT bodies → the smallest PATCH the API accepts. Used by
 * `refplan migrate`, `refplan proxy`, and integrations that migrate their code.
 */

export interface PutToPatchOptions {
  /** specs/writable-paths.json (`loadWritablePaths()`): only these paths are ever written. */
  writablePaths: WritablePathTable;
  /** specs/transitions.json: when given, a patch the API would refuse (e.g. editing a Won referral) is reported in `warnings`. */
  table?: TransitionTable;
  /**
   * What the legacy client last read. When given, only fields the client changed since then
   * are patched (three-way merge), so edits others made meanwhile survive.
   */
  baseline?: Referral;
}

/** A path the PUT body carried that a client may not (or cannot) write. */
export interface DroppedPath {
  path: string;
  /** From specs/writable-paths.json (`readOnly[].why`), or why the value cannot be written. */
  reason: string;
  /** Whether the body's value differs from the current one (a dropped value that mattered). */
  changed: boolean;
}

/** A field both the legacy client and someone else changed since the baseline, differently. Not patched. */
export interface PutConflict {
  path: string;
  baseline: JsonValue;
  current: JsonValue;
  desired: JsonValue;
}

export interface PutToPatchResult {
  /** `replace`/`add` only; empty when the body changes nothing writable. */
  ops: PatchOp[];
  /** Fields the body leaves out (not cleared: the API has no remove), and rule problems when `table` is given. */
  warnings: string[];
  dropped: DroppedPath[];
  /** Only with `baseline`: fields changed on both sides; left as they are on the server. */
  conflicts: PutConflict[];
  /** The body's own `eTag`, to use as If-Match when the caller has no other. */
  bodyETag?: string;
}

type Classification = { kind: 'readOnly'; why: string } | { kind: 'writable' } | { kind: 'container' } | { kind: 'unlisted' };

function classify(table: WritablePathTable, path: string): Classification {
  const ro = table.readOnly.find((r) => path === r.path || path.startsWith(`${r.path}/`));
  if (ro !== undefined) return { kind: 'readOnly', why: ro.why };
  const writable = table.writable.filter((r) => r.kind !== 'member');
  if (writable.some((r) => r.path === path)) return { kind: 'writable' };
  if (writable.some((r) => r.path.startsWith(`${path}/`))) return { kind: 'container' };
  return { kind: 'unlisted' };
}

/** Walks the body and lists every path that is not writable, with the reason. */
function findDropped(table: WritablePathTable, desired: JsonValue, current: JsonValue | undefined, prefix: string, out: DroppedPath[]): void {
  if (!isObject(desired)) return;
  for (const key of Object.keys(desired)) {
    const path = `${prefix}/${escapeSegment(key)}`;
    const value = desired[key] as JsonValue;
    const own = isObject(current) && Object.prototype.hasOwnProperty.call(current, key) ? current[key] : undefined;
    const c = classify(table, path);
    if (c.kind === 'readOnly') out.push({ path, reason: c.why, changed: !sameOrBothEmpty(own, value) });
    else if (c.kind === 'unlisted') {
      out.push({ path, reason: 'not in specs/writable-paths.json: refplan writes only listed paths', changed: !sameOrBothEmpty(own, value) });
    } else if (c.kind === 'container') {
      if (isObject(value)) findDropped(table, value, own, path, out);
      else if (value !== null) out.push({ path, reason: 'must be an object; only its listed members are writable', changed: true });
    }
  }
}

function normalise(rule: WritablePathRule, raw: JsonValue): { value: JsonValue } | { reason: string } {
  if (raw === null) return rule.nullable === true ? { value: null } : { reason: 'cannot be cleared: the API needs a value here' };
  if (rule.kind === 'number') {
    if (typeof raw === 'number' && Number.isFinite(raw)) return { value: raw };
    if (typeof raw === 'string' && /^-?\d+(\.\d+)?$/.test(raw.trim())) return { value: Number(raw.trim()) };
    return { reason: 'must be a number' };
  }
  return typeof raw === 'string' ? { value: raw } : { reason: 'must be a string' };
}

const isPrefix = (prefix: readonly JsonValue[], whole: readonly JsonValue[]) =>
  prefix.length <= whole.length && prefix.every((m, i) => jsonEqual(m, whole[i]));

function stateOf(doc: JsonValue): ReferralState {
  const text = (p: string) => {
    const v = valueAt(doc, p);
    return typeof v === 'string' ? v : null;
  };
  return { status: text('/status'), substatus: text('/substatus'), statusReason: text('/statusReason') };
}

/**
 * Computes the smallest `replace`/`add` JSON Patch that turns `current` into the
 * legacy PUT body `desired`, over the writable paths only.
 * - Read-only and unlisted paths (`id`, `links`, timestamps, organisation fields,
 *   `eTag`, `customerProfile`, …) are left out and listed in `dropped`.
 * - Fields the body omits are not cleared (the API has no `remove`); `warnings` lists them.
 * - Team members appended at the end become one `add /team/-` each; any other team
 *   change replaces the whole array (index-based ops on shared arrays are unsafe).
 * - With `baseline`, a three-way merge: only fields the client changed since its
 *   baseline are patched; fields changed on both sides, differently, go to `conflicts`.
 * Never emits anything but `replace` and `add`.
 */
export function putToPatch(current: Referral, desired: Referral, options: PutToPatchOptions): PutToPatchResult {
  const { writablePaths, baseline } = options;
  const cur = current as unknown as JsonValue;
  const want = desired as unknown as JsonValue;
  const base = baseline as unknown as JsonValue | undefined;
  const warnings: string[] = [];
  const dropped: DroppedPath[] = [];
  const conflicts: PutConflict[] = [];
  findDropped(writablePaths, want, cur, '', dropped);

  /** Three-way decision for one path: whether to write `value`. */
  const clientChanged = (path: string, value: JsonValue, equal: (a: JsonValue | undefined, b: JsonValue | undefined) => boolean): boolean => {
    if (base === undefined) return true;
    const b = valueAt(base, path);
    if (equal(value, b)) return false;
    const c = valueAt(cur, path);
    if (!equal(c, b) && !equal(c, value)) {
      conflicts.push({ path, baseline: b ?? null, current: c ?? null, desired: value });
      return false;
    }
    return true;
  };

  const targets: LeafTarget[] = [];
  for (const rule of leafRules(writablePaths)) {
    const hit = getAt(want, rule.path);
    if (!hit.found) {
      const c = valueAt(cur, rule.path);
      if (c !== undefined && c !== null) warnings.push(`${rule.path} is not in the body; it keeps its current value (the API has no remove)`);
      continue;
    }
    const norm = normalise(rule, hit.value);
    if ('reason' in norm) {
      dropped.push({ path: rule.path, reason: norm.reason, changed: true });
      continue;
    }
    // Leaves compare as opsForLeaves does (instants as instants), so a date the client only re-spelled is no change of its own.
    if (clientChanged(rule.path, norm.value, (a, b) => leafEqual(a ?? null, b ?? null))) targets.push({ path: rule.path, value: norm.value });
  }
  const ops = opsForLeaves(cur, targets);

  const teamPath = teamArrayPath(writablePaths);
  if (teamPath !== undefined) {
    const hit = getAt(want, teamPath);
    const now = valueAt(cur, teamPath);
    const currentTeam = Array.isArray(now) ? now : [];
    const teamEqual = (a: JsonValue | undefined, b: JsonValue | undefined) => jsonEqual(a ?? [], b ?? []);
    if (!hit.found) {
      if (currentTeam.length > 0) warnings.push(`${teamPath} is not in the body; the team stays as it is (the API has no remove)`);
    } else if (!Array.isArray(hit.value)) {
      dropped.push({ path: teamPath, reason: 'must be an array of team members', changed: true });
    } else if (!teamEqual(hit.value, now)) {
      const wanted = hit.value;
      const baseTeam = base === undefined ? undefined : valueAt(base, teamPath);
      const baseList = Array.isArray(baseTeam) ? baseTeam : [];
      const bothAppended = base !== undefined && !teamEqual(now, baseTeam) && isPrefix(baseList, wanted) && isPrefix(baseList, currentTeam);
      if (bothAppended && !teamEqual(wanted, baseTeam)) {
        // Both sides only appended since the baseline: add the client's new members after the others'.
        for (const m of wanted.slice(baseList.length)) {
          if (!currentTeam.some((c) => jsonEqual(c, m))) ops.push({ op: 'add', path: `${teamPath}/-`, value: m });
        }
      } else if (clientChanged(teamPath, wanted, teamEqual)) {
        if (Array.isArray(now) && isPrefix(now, wanted)) {
          for (const m of wanted.slice(now.length)) ops.push({ op: 'add', path: `${teamPath}/-`, value: m });
        } else {
          ops.push({ op: now === undefined ? 'add' : 'replace', path: teamPath, value: wanted });
        }
      }
    }
  }

  if (options.table !== undefined && ops.length > 0) {
    for (const v of judgeTransition(options.table, stateOf(cur), stateOf(applyOps(cur, ops)), { isEdit: true })) {
      warnings.push(`the API will refuse this patch: ${v.message}`);
    }
  }
  const result: PutToPatchResult = { ops, warnings, dropped, conflicts };
  if (typeof desired.eTag === 'string') result.bodyETag = desired.eTag;
  return result;
}
