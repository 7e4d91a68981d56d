/**
 * How planning reads the referrals it needs, chosen by request count.
 *
 * Three ways to read N known keys (ids or externalReferenceIds):
 * - one `GET /referrals/{id}` per id: N requests;
 * - batched filters `id eq 'a' or id eq 'b' …`: ceil(N / batch) requests, the batch
 *   bounded by the length of the URL (proxies and IIS refuse long query strings);
 * - listing every referral in pages of 100: ceil(count / 100) requests, which also
 *   answers every `where` locally.
 * The first page of the unfiltered list doubles as the count probe (it carries
 * `@odata.count`), so choosing to list everything wastes nothing.
 *
 * Pure: no I/O here, only the arithmetic and the filter strings.
 */

/** The API's page size (docs: pages of 100). */
export const PAGE_SIZE = 100;

/**
 * Longest `$filter` value we send, measured URL-encoded. IIS refuses query strings
 * over 2048 bytes by default; staying under 1,800 leaves room for the path and
 * the other query options. Against the emulator this gives 30 GUIDs per request.
 */
export const MAX_ENCODED_FILTER = 1800;

/** OData string literal: single quotes, an embedded quote doubled. */
export function odataString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** Length of a filter as it travels in the query string (counting `'` as `%27`, as URLSearchParams sends it). */
export function encodedLength(filter: string): number {
  return encodeURIComponent(filter).replaceAll("'", '%27').length;
}

export interface KeyBatch {
  filter: string;
  keys: string[];
}

/**
 * Splits keys into `field eq 'k1' or field eq 'k2' …` filters, each at most
 * `maxEncoded` characters once URL-encoded and at most `maxPerBatch` keys (so a
 * batch of unique keys fits in one page).
 */
export function buildKeyFilters(
  field: string,
  keys: readonly string[],
  maxEncoded: number = MAX_ENCODED_FILTER,
  maxPerBatch: number = PAGE_SIZE,
): KeyBatch[] {
  const batches: KeyBatch[] = [];
  let clauses: string[] = [];
  let batchKeys: string[] = [];
  let length = 0;
  const separator = encodedLength(' or ');
  const flush = (): void => {
    batches.push({ filter: clauses.join(' or '), keys: batchKeys });
    clauses = [];
    batchKeys = [];
    length = 0;
  };
  for (const key of keys) {
    const clause = `${field} eq ${odataString(key)}`;
    const clauseLength = encodedLength(clause);
    if (clauses.length > 0 && (length + separator + clauseLength > maxEncoded || clauses.length >= maxPerBatch)) flush();
    length += clauses.length === 0 ? clauseLength : separator + clauseLength;
    clauses.push(clause);
    batchKeys.push(key);
  }
  if (clauses.length > 0) flush();
  return batches;
}

export interface ReadNeeds {
  /** Distinct ids still to read. */
  ids: number;
  /** Requests the batched id filters would take. */
  idBatches: number;
  /** Requests the batched externalReferenceId filters would take. */
  externalIdBatches: number;
  /** `where` selectors with a pushed-down filter: at least one request each. */
  filteredWheres: number;
  /** `where` selectors the API cannot filter at all: they need every referral. */
  unfilterableWheres: number;
}

export type ReadPlan =
  | { kind: 'nothing' }
  | { kind: 'get-one' }
  | { kind: 'targeted' }
  | { kind: 'list-all' }
  /** Read the first unfiltered page, then decide with {@link decideAfterProbe}. */
  | { kind: 'probe' };

/** Requests the targeted way (GETs, batched filters, one list per where) costs at least. */
export function targetedCost(needs: ReadNeeds): number {
  return needs.idBatches + needs.externalIdBatches + needs.filteredWheres;
}

export function chooseReadPlan(needs: ReadNeeds): ReadPlan {
  if (needs.unfilterableWheres > 0) return { kind: 'list-all' };
  const cost = targetedCost(needs);
  if (cost === 0) return { kind: 'nothing' };
  if (needs.ids === 1 && cost === 1) return { kind: 'get-one' };
  // One request cannot be beaten; with more, the count decides (the probe is page 1 of the list).
  if (cost <= 1) return { kind: 'targeted' };
  return { kind: 'probe' };
}

/** After the probe: list the rest when the remaining pages cost no more than the targeted reads. */
export function decideAfterProbe(count: number, needs: ReadNeeds): 'list-all' | 'targeted' {
  const remainingPages = Math.max(0, Math.ceil(count / PAGE_SIZE) - 1);
  return remainingPages <= targetedCost(needs) ? 'list-all' : 'targeted';
}
