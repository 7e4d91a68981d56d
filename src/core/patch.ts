import { formatPointer, getAt, InvalidPointerError, isObject, parsePointer, setAt, valueAt } from './json-pointer.js';
import type { JsonValue, PatchOp } from './referral.js';

/**
 * Patch maths shared by the planner and putToPatch: value equality, a pure
 * `applyOps` to simulate the document after a whole patch, the smallest
 * `replace`/`add` ops that bring leaf paths to given values, and inverse ops.
 * Only `replace` and `add` ever come out: the referrals API has no `remove`.
 */

/**
 * Deep JSON equality. Numbers compare numerically (so `0` equals `-0`), strings
 * exactly; object key order is ignored, and a key holding `undefined` counts as absent.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'number') return a === b || (Number.isNaN(a) && Number.isNaN(b));
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => jsonEqual(item, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const keysA = Object.keys(a).filter((k) => a[k] !== undefined);
    const keysB = Object.keys(b).filter((k) => b[k] !== undefined);
    if (keysA.length !== keysB.length) return false;
    return keysA.every((k) => Object.prototype.hasOwnProperty.call(b, k) && jsonEqual(a[k], b[k]));
  }
  return false;
}

/** Equality where an absent value and `null` are the same (the API's "cleared") and instants compare as instants. */
export function sameOrBothEmpty(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  return leafEqual(a ?? null, b ?? null);
}

/** Thrown when an op cannot be applied (a missing parent, an op the API does not have). */
export class PatchApplyError extends InvalidPointerError {}

/**
 * Applies `replace`/`add` ops in order and returns a new document; `doc` is not
 * touched. Used to judge the document as it will be after the whole patch.
 */
export function applyOps(doc: JsonValue, ops: readonly PatchOp[]): JsonValue {
  let state = doc;
  for (const op of ops) {
    if (op.op !== 'replace' && op.op !== 'add') {
      throw new PatchApplyError(String(op.path), `op "${String(op.op)}" is not supported by the referrals API (only replace and add)`);
    }
    state = setAt(state, op.path, op.value, op.op);
  }
  return state;
}

/** A leaf path and the value it should hold; `null` clears. */
export interface LeafTarget {
  path: string;
  value: JsonValue;
}

function setNested(target: { [key: string]: JsonValue }, segments: readonly string[], value: JsonValue): void {
  let node = target;
  segments.forEach((segment, i) => {
    if (i === segments.length - 1) {
      Object.defineProperty(node, segment, { value, enumerable: true, writable: true, configurable: true });
      return;
    }
    let next = node[segment];
    if (!isObject(next)) {
      next = {};
      Object.defineProperty(node, segment, { value: next, enumerable: true, writable: true, configurable: true });
    }
    node = next;
  });
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Equality of one leaf value: JSON equality, except that two ISO 8601 instants
 * are equal when they name the same moment. The API answers `…00.0000000Z`
 * where a change set says `…00Z`; that is no edit.
 */
export function leafEqual(a: unknown, b: unknown): boolean {
  if (typeof a === 'string' && typeof b === 'string' && a !== b && ISO_INSTANT.test(a) && ISO_INSTANT.test(b)) {
    const ta = Date.parse(a);
    return Number.isFinite(ta) && ta === Date.parse(b);
  }
  return jsonEqual(a, b);
}

/**
 * The smallest ops that give each target path its value in `doc`:
 * - unchanged values (and clearing something already absent) produce nothing;
 * - an existing path gets `replace`, an absent member of an existing object `add`;
 * - when a parent object is missing (no `details` at all), one `add /details {…}`
 *   carries every target under it; a parent that is `null` is `replace`d the same way.
 * Array elements are not addressed here (see team handling in the planner).
 */
export function opsForLeaves(doc: JsonValue, targets: readonly LeafTarget[]): PatchOp[] {
  const ops: PatchOp[] = [];
  const grouped = new Map<string, PatchOp>();
  for (const { path, value } of targets) {
    const segments = parsePointer(path);
    const hit = getAt(doc, segments);
    if (hit.found) {
      if (!leafEqual(hit.value, value)) ops.push({ op: 'replace', path, value });
      continue;
    }
    if (value === null) continue;
    // Walk down to the deepest existing object on the way to the target.
    let node: JsonValue = doc;
    let depth = 0;
    while (depth < segments.length && isObject(node) && node[segments[depth] as string] !== undefined) {
      node = node[segments[depth] as string] as JsonValue;
      depth += 1;
    }
    let anchor: string[];
    let mode: 'add' | 'replace';
    if (isObject(node)) {
      anchor = segments.slice(0, depth + 1);
      mode = 'add';
    } else if (node === null && depth > 0) {
      anchor = segments.slice(0, depth);
      mode = 'replace';
    } else {
      throw new PatchApplyError(path, `cannot write "${path}": "${formatPointer(segments.slice(0, depth))}" is not an object`);
    }
    const rest = segments.slice(anchor.length);
    if (rest.length === 0) {
      ops.push({ op: mode, path, value });
      continue;
    }
    const anchorPath = formatPointer(anchor);
    let op = grouped.get(anchorPath);
    if (op === undefined) {
      op = { op: mode, path: anchorPath, value: {} };
      grouped.set(anchorPath, op);
      ops.push(op);
    }
    setNested(op.value as { [key: string]: JsonValue }, rest, value);
  }
  return ops;
}

function isUnder(path: string, ancestor: string): boolean {
  return path === ancestor || path.startsWith(`${ancestor}/`);
}

function leafPaths(prefix: string, value: { [key: string]: JsonValue }): string[] {
  const keys = Object.keys(value);
  if (keys.length === 0) return [prefix];
  return keys.flatMap((k) => {
    const v = value[k];
    const path = `${prefix}/${formatPointer([k]).slice(1)}`;
    return isObject(v) ? leafPaths(path, v) : [path];
  });
}

/**
 * Ops that undo `ops` on `doc` (the document they were planned against), in the
 * order to apply them. Every inverse is a `replace` of the path's value before the
 * patch, or an `add` of `null` when the path was absent (the API cannot remove):
 * - an op inside an array (`add /team/-`) is undone by replacing the whole array;
 * - an absent array is restored as `[]`;
 * - an absent object written whole (`add /details {…}`) is undone leaf by leaf.
 * One inverse per path, holding the value from before the whole patch.
 */
export function inverseOps(doc: JsonValue, ops: readonly PatchOp[]): PatchOp[] {
  let state = doc;
  const inverse: PatchOp[] = [];
  const covered: string[] = [];
  const push = (op: PatchOp) => {
    if (covered.some((c) => isUnder(op.path, c))) return;
    covered.push(op.path);
    inverse.push(op);
  };
  for (const op of ops) {
    const segments = parsePointer(op.path);
    let arrayPrefix: string | undefined;
    for (let i = 0; i < segments.length - 1 && arrayPrefix === undefined; i += 1) {
      const hit = getAt(state, segments.slice(0, i + 1));
      if (hit.found && Array.isArray(hit.value)) arrayPrefix = formatPointer(segments.slice(0, i + 1));
    }
    if (arrayPrefix !== undefined) {
      push({ op: 'replace', path: arrayPrefix, value: valueAt(state, arrayPrefix) as JsonValue });
    } else {
      const hit = getAt(state, segments);
      if (hit.found) push({ op: 'replace', path: op.path, value: hit.value });
      else if (Array.isArray(op.value)) push({ op: 'replace', path: op.path, value: [] });
      else if (isObject(op.value)) for (const leaf of leafPaths(op.path, op.value)) push({ op: 'add', path: leaf, value: null });
      else push({ op: 'add', path: op.path, value: null });
    }
    state = setAt(state, op.path, op.value, op.op);
  }
  return inverse.reverse();
}
