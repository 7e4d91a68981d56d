import { resolve } from 'node:path';
import type { Change } from '../core/changeset.js';
import { info, type Diagnostic } from '../core/diagnostics.js';
import type { Referral } from '../core/referral.js';
import { baselinePathFor, readExportBaseline } from '../files/export-baseline.js';
import { loadWritablePaths } from '../schema/specs.js';

/**
 * The spreadsheet round trip: rows of a file written by `refplan export` are
 * planned against the values exported (the sidecar baseline), not against a
 * fresh read. A row is taken from the baseline when its `id` is in it and its
 * `eTag` cell equals the exported eTag; anything else is read from the API, and
 * every fallback is said once per file (info), so nothing is silent.
 */
export interface BaselineMatch {
  /** Referrals known from baselines, by id: planning does not read them. */
  known: Map<string, Referral>;
  diagnostics: Diagnostic[];
  /** Input files whose bytes are exactly what export wrote. */
  unedited: string[];
}

function normaliseBaseUrl(url: string): string {
  return url.replace(/\/+$/, '').toLowerCase();
}

export async function matchExportBaselines(changes: readonly Change[], baseUrl: string, cwd: string = process.cwd()): Promise<BaselineMatch> {
  const known = new Map<string, Referral>();
  const diagnostics: Diagnostic[] = [];
  const unedited: string[] = [];
  const byFile = new Map<string, Change[]>();
  for (const c of changes) {
    if (c.selector.kind !== 'id' || c.pinnedETag === undefined) continue;
    const list = byFile.get(c.source.file) ?? [];
    list.push(c);
    byFile.set(c.source.file, list);
  }
  for (const [file, pinned] of byFile) {
    const read = await readExportBaseline(resolve(cwd, file));
    const sidecar = baselinePathFor(file);
    if (read.status === 'missing') {
      diagnostics.push(
        info('baseline-missing', `${file} has eTag pins but no export baseline (${sidecar}): reading the current referrals instead`, {
          hint: 'keep the .refplan-baseline.json file `refplan export` wrote next to the file to plan without reads',
        }),
      );
      continue;
    }
    if (read.status === 'unreadable') {
      diagnostics.push(info('baseline-unusable', `the export baseline ${sidecar} cannot be used (${read.reason}): reading the current referrals instead`));
      continue;
    }
    const { baseline } = read;
    if (normaliseBaseUrl(baseline.baseUrl) !== normaliseBaseUrl(baseUrl)) {
      diagnostics.push(
        info('baseline-other-api', `${file} was exported from ${baseline.baseUrl}, not ${baseUrl}: reading the current referrals instead`),
      );
      continue;
    }
    if (read.fileSha256 === baseline.sha256) unedited.push(file);
    const exported = new Map(baseline.referrals.map((r) => [r.id, r]));
    let misses = 0;
    for (const change of pinned) {
      if (change.selector.kind !== 'id') continue;
      const doc = exported.get(change.selector.id);
      if (doc !== undefined && doc.eTag === change.pinnedETag) known.set(doc.id, doc);
      else misses += 1;
    }
    if (misses > 0) {
      diagnostics.push(
        info('baseline-mismatch', `${misses} row(s) of ${file} are not in its export baseline or carry another eTag: those referrals are read from the API`),
      );
    }
  }
  return { known, diagnostics, unedited };
}

/** Characters csv-stringify's `escape_formulas` protects with a leading `'`. */
const FORMULA_START = /^'[-=+@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;

/** Whether a cell, as the validator normalised it, still means the exported value. */
function meansExported(kind: string, cell: unknown, exported: unknown): boolean {
  if (typeof cell === 'string' && FORMULA_START.test(cell) && cell.slice(1) === exported) return true;
  // The validator writes instants as `…:00Z`; the API may have given `…:00.000Z`.
  if (kind === 'date-time' && typeof cell === 'string' && typeof exported === 'string') {
    const a = Date.parse(cell);
    return Number.isFinite(a) && a === Date.parse(exported);
  }
  return false;
}

/**
 * For rows planned against a baseline: a cell that only spells the exported value
 * differently is not an edit. Export escapes a cell Excel would run as a formula
 * with a leading `'`, and date-times come back from the validator in canonical
 * form; such cells are replaced by the exported value, every other cell is left
 * as the user wrote it.
 */
export function reconcileExportedCells(change: Change, known: ReadonlyMap<string, Referral>): Change {
  if (change.selector.kind !== 'id') return change;
  const doc = known.get(change.selector.id);
  if (doc === undefined) return change;
  let set: Change['set'] | undefined;
  for (const [field, value] of Object.entries(change.set)) {
    const rule = loadWritablePaths().writable.find((w) => w.field === field);
    if (rule === undefined || value === undefined || value === null) continue;
    const exported = rule.path
      .split('/')
      .slice(1)
      .reduce<unknown>((node, key) => (typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined), doc);
    if (value !== exported && meansExported(rule.kind, value, exported)) {
      (set ??= { ...change.set })[field as keyof Change['set']] = exported as string | number;
    }
  }
  return set === undefined ? change : { ...change, set };
}
