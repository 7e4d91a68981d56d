import { resolve } from 'node:path';
import { nounFor, plural } from '../core/plural.js';
import type { Change } from '../core/changeset.js';
import { info, type Diagnostic } from '../core/diagnostics.js';
import type { Referral } from '../core/referral.js';
import { baselinePathFor, readExportBaseline } from '../files/export-baseline.js';
import { formatOf } from '../files/read-changeset-file.js';
import { readWorkbookBaseline } from '../files/workbook/read-workbook-baseline.js';
import { BASELINE_SHEET } from '../files/workbook/workbook-layout.js';

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
  /** Each change from an export row → the referral as that row was exported (what the person editing it saw). */
  snapshots: Map<Change, Referral>;
}

function normaliseBaseUrl(url: string): string {
  return url.replace(/\/+$/, '').toLowerCase();
}

/** `baseUrl` undefined: a baseline from any API is used (validate, which talks to none). */
export async function matchExportBaselines(changes: readonly Change[], baseUrl: string | undefined, cwd: string = process.cwd()): Promise<BaselineMatch> {
  const known = new Map<string, Referral>();
  const diagnostics: Diagnostic[] = [];
  const unedited: string[] = [];
  const snapshots = new Map<Change, Referral>();
  const byFile = new Map<string, Change[]>();
  for (const c of changes) {
    if (c.selector.kind !== 'id' || c.pinnedETag === undefined) continue;
    const list = byFile.get(c.source.file) ?? [];
    list.push(c);
    byFile.set(c.source.file, list);
  }
  for (const [file, pinned] of byFile) {
    // A workbook carries its baseline in a very-hidden sheet; other files in a sidecar.
    const workbook = formatOf(file) === 'xlsx';
    const read = workbook ? await readWorkbookBaseline(resolve(cwd, file)) : await readExportBaseline(resolve(cwd, file));
    const sidecar = workbook ? `its ${BASELINE_SHEET} sheet` : baselinePathFor(file);
    if (read.status === 'missing' && workbook) {
      diagnostics.push(
        info('baseline-missing', `${file} has eTag pins but no ${BASELINE_SHEET} sheet (the export baseline): reading the current referrals instead`, {
          hint: 'plan the workbook refplan export wrote, edited and saved in Excel; a copy of its sheet into another workbook loses the baseline',
        }),
      );
      continue;
    }
    if (read.status === 'missing') {
      diagnostics.push(
        info('baseline-missing', `${file} has eTag pins but no export baseline (${sidecar}): reading the current referrals instead`, {
          hint: 'keep the .refplan-baseline.json file `refplan export` wrote next to the file to plan without reads',
        }),
      );
      continue;
    }
    if (read.status === 'unreadable') {
      diagnostics.push(info('baseline-unusable', `the export baseline (${sidecar}) cannot be used (${read.reason}): reading the current referrals instead`));
      continue;
    }
    const { baseline } = read;
    if (baseUrl !== undefined && normaliseBaseUrl(baseline.baseUrl) !== normaliseBaseUrl(baseUrl)) {
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
      if (doc !== undefined && doc.eTag === change.pinnedETag) {
        known.set(doc.id, doc);
        snapshots.set(change, doc);
      } else misses += 1;
    }
    if (misses > 0) {
      diagnostics.push(
        info('baseline-mismatch', `${plural(misses, 'row')} of ${file} ${nounFor(misses, 'is', 'are')} not in its export baseline or ${nounFor(misses, 'carries', 'carry')} another eTag: ${nounFor(misses, 'that referral is', 'those referrals are')} read from the API`),
      );
    }
  }
  return { known, diagnostics, unedited, snapshots };
}
