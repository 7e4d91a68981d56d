import type { ErrorObject } from 'ajv';
import type { Referral } from '../core/referral.js';
import { judgeTransition } from '../core/transitions.js';
import { getValidator } from '../schema/ajv.js';
import { loadReferralSchema, loadTransitionTable, loadWritablePaths } from '../schema/specs.js';
import { invalidRequest } from './api-error.js';
import type { CheckedOp } from './apply-patch.js';

/**
 * The API's rules for a write, all read from specs/: writable paths, the schema
 * (after the whole patch), enum spelling and the transition table. The emulator
 * judges without refplan's reason policy: that policy is the client's, not the API's.
 */

type Normaliser = (value: unknown) => unknown;
type SchemaNode = Record<string, unknown>;

/** Walks the referral schema once and builds a function that rewrites enum literals in the API's spelling. */
function buildEnumNormaliser(): Normaliser {
  const root = loadReferralSchema();
  const defs = (root['$defs'] ?? {}) as Record<string, SchemaNode>;
  const byRef = new Map<string, Normaliser>();

  const build = (node: SchemaNode): Normaliser | undefined => {
    const ref = node['$ref'];
    if (typeof ref === 'string') {
      const cached = byRef.get(ref);
      if (cached !== undefined) return cached;
      let target: Normaliser | undefined;
      // Registered before building, so recursive schemas terminate.
      byRef.set(ref, (v) => (target === undefined ? v : target(v)));
      const resolved = ref === '#' ? root : defs[ref.replace('#/$defs/', '')];
      target = resolved === undefined ? undefined : build(resolved);
      return byRef.get(ref);
    }
    const parts: Normaliser[] = [];
    const values = node['enum'];
    if (Array.isArray(values)) {
      const canonical = new Map(values.filter((v): v is string => typeof v === 'string').map((v) => [v.toLowerCase(), v]));
      parts.push((v) => (typeof v === 'string' ? (canonical.get(v.toLowerCase()) ?? v) : v));
    }
    const props = node['properties'];
    if (props !== undefined && typeof props === 'object') {
      const entries = Object.entries(props as Record<string, SchemaNode>)
        .map(([k, s]) => [k, build(s)] as const)
        .filter((e): e is readonly [string, Normaliser] => e[1] !== undefined);
      if (entries.length > 0) {
        parts.push((v) => {
          if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
            const o = v as Record<string, unknown>;
            for (const [k, n] of entries) if (Object.hasOwn(o, k) && o[k] !== undefined) o[k] = n(o[k]);
          }
          return v;
        });
      }
    }
    const items = node['items'];
    if (items !== undefined && typeof items === 'object') {
      const n = build(items as SchemaNode);
      if (n !== undefined) {
        parts.push((v) => {
          if (Array.isArray(v)) for (let i = 0; i < v.length; i++) v[i] = n(v[i]);
          return v;
        });
      }
    }
    for (const key of ['anyOf', 'oneOf', 'allOf']) {
      const branches = node[key];
      if (Array.isArray(branches)) {
        for (const b of branches as SchemaNode[]) {
          const n = build(b);
          if (n !== undefined) parts.push(n);
        }
      }
    }
    if (parts.length === 0) return undefined;
    return (v) => parts.reduce((acc, p) => p(acc), v);
  };
  return build(root) ?? ((v) => v);
}

let enumNormaliser: Normaliser | undefined;

/** Rewrites every enum literal (matched case-insensitively) in the API's spelling, in place. */
export function normaliseEnums<T>(doc: T): T {
  enumNormaliser ??= buildEnumNormaliser();
  return enumNormaliser(doc) as T;
}

const NUMERIC = /^\s*-?\d+(?:\.\d+)?\s*$/;

/** Numeric strings at number-kind writable paths ("10000" in the docs' examples) become numbers, in place. */
export function coerceNumbers(doc: Record<string, unknown>): void {
  for (const w of loadWritablePaths().writable) {
    if (w.kind !== 'number') continue;
    const keys = w.path.split('/').slice(1);
    let parent: unknown = doc;
    for (const key of keys.slice(0, -1)) parent = parent !== null && typeof parent === 'object' ? (parent as Record<string, unknown>)[key] : undefined;
    const last = keys[keys.length - 1];
    if (last === undefined || parent === null || typeof parent !== 'object') continue;
    const p = parent as Record<string, unknown>;
    const value = p[last];
    if (typeof value === 'string' && NUMERIC.test(value)) p[last] = Number(value);
  }
}

/** Each op's path must be a writable path for that op; read-only and unknown paths are refused by name. */
export function checkWritable(ops: readonly CheckedOp[]): void {
  const { writable, readOnly } = loadWritablePaths();
  ops.forEach((op, index) => {
    const entry = writable.find((w) => w.path === op.path);
    if (entry !== undefined) {
      if (!entry.ops.includes(op.op)) {
        throw invalidRequest(`operation ${index}: '${op.op}' is not allowed on ${op.path}; use ${entry.ops.join(' or ')}`, op.path);
      }
      return;
    }
    const ro = readOnly.find((r) => op.path === r.path || op.path.startsWith(`${r.path}/`));
    if (ro !== undefined) {
      throw invalidRequest(`operation ${index}: path ${op.path} is read-only (${ro.why})`, op.path);
    }
    throw invalidRequest(
      `operation ${index}: path ${op.path} is not writable; writable paths: ${writable.map((w) => w.path).join(', ')}`,
      op.path,
    );
  });
}

function describeErrors(errors: readonly ErrorObject[] | null | undefined): { message: string; target: string | null } {
  const list = (errors ?? []).slice(0, 5).map((e) => {
    const at = e.instancePath === '' ? '(document)' : e.instancePath;
    const allowed = (e.params as { allowedValues?: unknown[] }).allowedValues;
    return `${at} ${e.message ?? 'is invalid'}${allowed === undefined ? '' : `: ${allowed.join(', ')}`}`;
  });
  return { message: list.join('; '), target: errors?.[0]?.instancePath || null };
}

/** Schema check of a whole referral (after the whole patch, or a PUT body). */
export function checkReferralSchema(doc: unknown): void {
  const validate = getValidator('referral.schema.json');
  if (!validate(doc)) {
    const { message, target } = describeErrors(validate.errors);
    throw invalidRequest(`the referral is invalid: ${message}`, target);
  }
}

/** Schema check of a POST body (required fields of a new referral). */
export function checkNewReferralSchema(doc: unknown): void {
  const validate = getValidator('referral.schema.json#/$defs/NewReferral');
  if (!validate(doc)) {
    const { message, target } = describeErrors(validate.errors);
    throw invalidRequest(`the new referral is invalid: ${message}`, target);
  }
}

/** The status/substatus move from before to after, judged against specs/transitions.json (no policy). */
export function checkTransition(before: Referral, after: Referral): void {
  const violations = judgeTransition(loadTransitionTable(), before, after, { enforcePolicy: false });
  const first = violations[0];
  if (first !== undefined) {
    throw invalidRequest(violations.map((v) => v.message).join('; '), first.code === 'terminal' ? null : '/status');
  }
}

/** Top-level read-only fields (from specs/writable-paths.json) a PUT keeps from the stored referral. */
export function readOnlyTopLevelKeys(): string[] {
  return loadWritablePaths()
    .readOnly.map((r) => r.path.split('/'))
    .filter((parts) => parts.length === 2)
    .map((parts) => parts[1] as string);
}
