import type { Referral } from '../core/referral.js';
import { invalidRequest } from './api-error.js';
import { compileFilter, type Predicate } from './odata-filter.js';
import type { ReferralStore } from './store.js';

/**
 * GET /referrals: filter, stable order, pages of at most 100 with an opaque
 * `$skiptoken` in `@odata.nextLink` and `@odata.count` on every page.
 *
 * `$top` is the page size (at most 100, as the docs' `pagesize`), not a cap on
 * the whole result: every page but the last carries a nextLink.
 */
export const MAX_PAGE = 100;

export interface ListQuery {
  filter: string | undefined;
  orderby: string | undefined;
  top: number;
  skip: number;
}

const ORDERABLE = new Set(['createdDateTime', 'updatedDateTime']);
const KNOWN_OPTIONS = new Set(['$filter', '$orderby', '$top', '$skip', '$skiptoken', '$count']);

function parseInteger(name: string, text: string, min: number): number {
  if (!/^\d+$/.test(text.trim())) throw invalidRequest(`${name} must be a whole number, got '${text}'`, name);
  const n = Number(text.trim());
  if (n < min) throw invalidRequest(`${name} must be at least ${min}, got ${n}`, name);
  return n;
}

function encodeToken(q: ListQuery): string {
  return Buffer.from(JSON.stringify([q.filter ?? null, q.orderby ?? null, q.top, q.skip])).toString('base64url');
}

function decodeToken(token: string): ListQuery {
  try {
    const [filter, orderby, top, skip] = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown[];
    if (typeof top === 'number' && typeof skip === 'number' && Number.isInteger(top) && Number.isInteger(skip) && skip >= 0 && top >= 0) {
      return { filter: typeof filter === 'string' ? filter : undefined, orderby: typeof orderby === 'string' ? orderby : undefined, top, skip };
    }
  } catch {
    // fall through to the 400
  }
  throw invalidRequest('$skiptoken is not one this server issued; follow @odata.nextLink exactly as given', '$skiptoken');
}

export function parseListQuery(query: string): ListQuery {
  const params = new URLSearchParams(query);
  for (const key of params.keys()) {
    if (key.startsWith('$') && !KNOWN_OPTIONS.has(key)) {
      throw invalidRequest(`query option ${key} is not supported by the emulator (supported: ${[...KNOWN_OPTIONS].join(', ')})`, key);
    }
  }
  const token = params.get('$skiptoken');
  if (token !== null) return decodeToken(token);
  const count = params.get('$count');
  if (count !== null && !/^(true|false)$/i.test(count)) throw invalidRequest(`$count must be true or false, got '${count}'`, '$count');
  const top = params.get('$top');
  const skip = params.get('$skip');
  const filter = params.get('$filter') ?? undefined;
  const orderby = params.get('$orderby') ?? undefined;
  return {
    filter: filter === undefined || filter.trim() === '' ? undefined : filter,
    orderby: orderby === undefined || orderby.trim() === '' ? undefined : orderby,
    top: top === null ? MAX_PAGE : Math.min(parseInteger('$top', top, 0), MAX_PAGE),
    skip: skip === null ? 0 : parseInteger('$skip', skip, 0),
  };
}

function compileOrder(orderby: string): (a: Referral, b: Referral) => number {
  const m = /^\s*(\w+)(?:\s+(asc|desc))?\s*$/i.exec(orderby);
  const field = m?.[1];
  if (m === null || field === undefined || !ORDERABLE.has(field)) {
    throw invalidRequest(
      `$orderby '${orderby}' is not supported; use createdDateTime or updatedDateTime, optionally followed by asc or desc`,
      '$orderby',
    );
  }
  const sign = (m[2] ?? 'asc').toLowerCase() === 'desc' ? -1 : 1;
  const key = (r: Referral): number => {
    const v = r[field];
    const t = typeof v === 'string' ? Date.parse(v) : Number.NaN;
    return Number.isNaN(t) ? Number.NEGATIVE_INFINITY : t;
  };
  return (a, b) => sign * (key(a) - key(b) || 0);
}

/** Filtered and ordered results per (filter, orderby), reused until the store changes. */
export class ListCache {
  private version = -1;
  private results = new Map<string, readonly Referral[]>();

  constructor(private readonly store: ReferralStore) {}

  select(filter: string | undefined, orderby: string | undefined): readonly Referral[] {
    if (this.version !== this.store.version) {
      this.results.clear();
      this.version = this.store.version;
    }
    const key = `${filter ?? ''}\u0000${orderby ?? ''}`;
    let rows = this.results.get(key);
    if (rows === undefined) {
      const predicate: Predicate | undefined = filter === undefined ? undefined : compileFilter(filter);
      const all = this.store.all();
      let selected = predicate === undefined ? all.slice() : all.filter(predicate);
      if (orderby !== undefined) {
        const compare = compileOrder(orderby);
        // Array.prototype.sort is stable: ties keep the insertion order.
        selected = selected.sort((a, b) => compare(a, b));
      }
      rows = selected;
      if (this.results.size >= 32) this.results.clear();
      this.results.set(key, rows);
    }
    return rows;
  }
}

/** The JSON body of one page; the docs' JSON comes from the store's cache, so a page is mostly string joins. */
export function renderPage(store: ReferralStore, cache: ListCache, q: ListQuery, origin: string): string {
  const rows = cache.select(q.filter, q.orderby);
  const page = q.top === 0 ? [] : rows.slice(q.skip, q.skip + q.top);
  const nextSkip = q.skip + page.length;
  const parts = [
    `{"@odata.context":${JSON.stringify(`${origin}/v1.0/$metadata#Referrals`)}`,
    `"@odata.count":${rows.length}`,
    `"value":[${page.map((r) => store.jsonOf(r)).join(',')}]`,
  ];
  if (q.top > 0 && nextSkip < rows.length) {
    const token = encodeToken({ ...q, skip: nextSkip });
    parts.push(`"@odata.nextLink":${JSON.stringify(`${origin}/v1.0/engagements/referrals?$skiptoken=${token}`)}`);
  }
  return `${parts.join(',')}}`;
}
