import type { WhereTest } from './changeset.js';
import { valueAt } from './json-pointer.js';
import { leafEqual } from './patch.js';
import type { JsonValue, Referral } from './referral.js';
import type { WritablePathTable } from './writable-paths.js';

/**
 * `where` selectors: which tests the API's `$filter` can evaluate (pushed down),
 * and a local evaluator for the rest. Resolution itself (listing, paging) is the
 * engine's job; these functions are pure.
 */

/**
 * Fields the referrals API filters on (API notes §4, "Filterable", plus `id` and
 * `externalReferenceId`), with the comparisons each supports. API knowledge, not
 * a refplan rule, so it lives next to the only code that needs it.
 * `code`: a string the API's `$filter` matches case-insensitively (enum values,
 * country codes); `matchesWhere` does the same, so a test gives the same answer
 * whether it was pushed down or evaluated on a listed page.
 */
export const FILTERABLE_FIELDS: Readonly<Record<string, 'string' | 'code' | 'date-time'>> = {
  id: 'string',
  engagementId: 'string',
  externalReferenceId: 'string',
  status: 'code',
  substatus: 'code',
  qualification: 'code',
  type: 'code',
  direction: 'code',
  updatedDateTime: 'date-time',
  'customerProfile/address/country': 'code',
};

function filterableField(path: string): string | undefined {
  return Object.keys(FILTERABLE_FIELDS).find((f) => f.toLowerCase() === path.toLowerCase());
}

export interface ODataFilterOptions {
  /** Maps vocabulary fields (`notes`) to API paths (`details/notes`). Without it, `field` is taken as the API path. */
  writablePaths?: WritablePathTable;
  /**
   * How date-time literals are written: `bare` (OData v4: `updatedDateTime ge 2026-01-01T00:00:00Z`,
   * the default) or `quoted` (`'2026-01-01T00:00:00Z'`).
   */
  dateLiteral?: 'bare' | 'quoted';
}

export interface ODataFilter {
  /** The `$filter` expression for the API, or `undefined` when nothing could be pushed down. */
  pushed: string | undefined;
  /** Tests the API cannot evaluate; apply them with `matchesWhere` to what the list returns. */
  local: WhereTest[];
}

/** API path of a test's field, without a leading slash (`notes` → `details/notes`). */
export function wherePath(field: string, writablePaths?: WritablePathTable): string {
  const rule = writablePaths?.writable.find((r) => r.field === field && r.kind !== 'member' && r.kind !== 'array');
  return (rule?.path ?? field).replace(/^\//, '');
}

const quote = (s: string) => `'${s.replace(/'/g, "''")}'`;
const looksLikeDate = (v: unknown): v is string => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}/.test(v) && Number.isFinite(Date.parse(v));
const RANGE_OPS: Record<string, string> = { lt: 'lt', le: 'le', gt: 'gt', ge: 'ge' };

function pushDown(test: WhereTest, options: ODataFilterOptions): string | undefined {
  const path = wherePath(String(test.field), options.writablePaths);
  const name = filterableField(path);
  if (name === undefined) return undefined;
  const kind = FILTERABLE_FIELDS[name];
  const { op, value } = test;
  if ((op === 'eq' || op === 'ne') && typeof value === 'string') return `${name} ${op} ${quote(value)}`;
  if (op === 'in' && Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string')) {
    const chain = (value as string[]).map((v) => `${name} eq ${quote(v)}`).join(' or ');
    return value.length === 1 ? chain : `(${chain})`;
  }
  // Text search: pushed for code fields, which the API (like matchesWhere) compares case-insensitively.
  if ((op === 'contains' || op === 'startswith') && kind === 'code' && typeof value === 'string') return `${op}(${name},${quote(value)})`;
  const range = RANGE_OPS[op];
  if (range !== undefined && kind === 'date-time' && looksLikeDate(value)) {
    return `${name} ${range} ${options.dateLiteral === 'quoted' ? quote(value) : value}`;
  }
  return undefined;
}

/**
 * Splits `where` tests into the `$filter` the API can evaluate and the tests
 * refplan must check itself. Pushed: `eq`/`ne` with a string on a filterable
 * field, `in` as an `or` chain, `ge`/`gt`/`le`/`lt` on date-time fields,
 * `contains`/`startswith` on code fields (`contains(customerProfile/address/country,'D')`).
 * Everything else (numbers, `null`, `details/*`, ranges on strings, text search
 * on case-sensitive fields) stays local.
 */
export function toODataFilter(tests: readonly WhereTest[], options: ODataFilterOptions = {}): ODataFilter {
  const pushed: string[] = [];
  const local: WhereTest[] = [];
  for (const test of tests) {
    const clause = pushDown(test, options);
    if (clause === undefined) local.push(test);
    else pushed.push(clause);
  }
  return { pushed: pushed.length === 0 ? undefined : pushed.join(' and '), local };
}

function order(actual: JsonValue | undefined, expected: JsonValue): number | undefined {
  if (typeof actual === 'number' && typeof expected === 'number') return actual - expected;
  if (looksLikeDate(actual) && looksLikeDate(expected)) return Date.parse(actual) - Date.parse(expected);
  if (typeof actual === 'string' && typeof expected === 'string') return actual < expected ? -1 : actual > expected ? 1 : 0;
  return undefined;
}

/**
 * Equality as the API's `$filter` judges it: absent equals `null`, two ISO 8601
 * date-times are equal when they name the same instant (the API stores
 * `…00.000Z` where a `where` says `…00Z`), and `code` fields ignore case.
 */
function sameForFilter(actual: JsonValue | undefined, expected: JsonValue, foldCase: boolean): boolean {
  if (foldCase && typeof actual === 'string' && typeof expected === 'string') return actual.toLowerCase() === expected.toLowerCase();
  return leafEqual(actual ?? null, expected ?? null);
}

function matchesOne(referral: Referral, test: WhereTest, writablePaths?: WritablePathTable): boolean {
  let actual: JsonValue | undefined;
  const path = wherePath(String(test.field), writablePaths);
  try {
    actual = valueAt(referral as unknown as JsonValue, `/${path}`);
  } catch {
    return false; // an unusable path (e.g. a prototype key) matches nothing
  }
  const field = filterableField(path);
  const foldCase = field !== undefined && FILTERABLE_FIELDS[field] === 'code';
  switch (test.op) {
    case 'eq':
      return sameForFilter(actual, test.value, foldCase);
    case 'ne':
      return !sameForFilter(actual, test.value, foldCase);
    case 'in':
      return Array.isArray(test.value) && test.value.some((v) => sameForFilter(actual, v, foldCase));
    case 'lt':
    case 'le':
    case 'gt':
    case 'ge': {
      const cmp = order(actual, test.value);
      if (cmp === undefined || Number.isNaN(cmp)) return false;
      return test.op === 'lt' ? cmp < 0 : test.op === 'le' ? cmp <= 0 : test.op === 'gt' ? cmp > 0 : cmp >= 0;
    }
    case 'contains':
    case 'startswith': {
      if (typeof actual !== 'string' || typeof test.value !== 'string') return false;
      const hay = actual.toLowerCase();
      const needle = test.value.toLowerCase();
      return test.op === 'contains' ? hay.includes(needle) : hay.startsWith(needle);
    }
    default:
      return false;
  }
}

/**
 * Whether a referral passes every test (tests are AND-ed). Absent equals `null`;
 * equality and range tests compare ISO dates as instants and numbers numerically;
 * range tests never match an absent value. Never throws.
 */
export function matchesWhere(referral: Referral, tests: readonly WhereTest[], writablePaths?: WritablePathTable): boolean {
  return tests.every((t) => matchesOne(referral, t, writablePaths));
}

/**
 * A `where` comparing `dealValue` without a `currency` test compares numbers
 * across currencies (1,000,000 JPY is not 1,000,000 USD). Returns the
 * currencies of the matched referrals when there is more than one, so the
 * caller can refuse with the fix; `undefined` when the comparison is sound.
 */
export function mixedCurrencies(tests: readonly WhereTest[], matched: readonly Referral[], writablePaths?: WritablePathTable): string[] | undefined {
  const paths = tests.map((t) => wherePath(String(t.field), writablePaths).toLowerCase());
  if (!paths.includes('details/dealvalue') || paths.includes('details/currency')) return undefined;
  const currencies = new Set<string>();
  for (const r of matched) {
    const c = valueAt(r as unknown as JsonValue, '/details/currency');
    if (typeof c === 'string') currencies.add(c.toUpperCase());
  }
  return currencies.size > 1 ? [...currencies].sort() : undefined;
}
