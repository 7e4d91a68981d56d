import { gunzipSync, gzipSync } from 'node:zlib';
import type { Referral } from '../../core/referral.js';
import { BASELINE_FORMAT, type ExportBaseline } from '../export-baseline.js';
import { MAX_CELL_CHARS } from './workbook-layout.js';

/**
 * The export baseline inside the workbook (the very-hidden `refplan-baseline`
 * sheet) instead of a sidecar file, so the workbook alone plans without reads.
 * Row 1 holds the format, the export time, the API and the referral count; the
 * referrals follow as gzip'd JSON in base64, split over column A of rows 2, 3 …
 * (Excel holds at most 32,767 characters a cell). Compressed because a cell a
 * referral made the writer hold ~12 KB per row; this is a few hundred cells.
 * The JSON is compressed a batch of referrals at a time, never held whole
 * (20,000 referrals are some 20 MB of it), each batch a gzip member: members
 * concatenate into one gzip file (RFC 1952), which gunzip reads whole.
 */
export function baselineSheetRows(baseline: ExportBaseline): string[][] {
  const parts: Buffer[] = [];
  let batch = '[';
  baseline.referrals.forEach((r, i) => {
    batch += `${i === 0 ? '' : ','}${JSON.stringify(r)}`;
    if (batch.length < 1 << 18) return;
    parts.push(gzipSync(batch));
    batch = '';
  });
  parts.push(gzipSync(`${batch}]`));
  const blob = Buffer.concat(parts).toString('base64');
  const rows: string[][] = [[BASELINE_FORMAT, baseline.exportedAt, baseline.baseUrl, String(baseline.referrals.length)]];
  for (let i = 0; i < blob.length; i += MAX_CELL_CHARS) rows.push([blob.slice(i, i + MAX_CELL_CHARS)]);
  return rows;
}

export type WorkbookBaselineRead = { status: 'found'; baseline: ExportBaseline } | { status: 'unreadable'; reason: string };

export function baselineFromSheetRows(rows: readonly (readonly unknown[])[]): WorkbookBaselineRead {
  const [head = [], ...body] = rows;
  const [format, exportedAt, baseUrl, count] = head;
  if (format !== BASELINE_FORMAT || typeof exportedAt !== 'string' || typeof baseUrl !== 'string') {
    return { status: 'unreadable', reason: `its first row is not a ${BASELINE_FORMAT} header` };
  }
  let referrals: unknown;
  try {
    const blob = body.map((cells) => (typeof cells[0] === 'string' ? cells[0] : '')).join('');
    referrals = JSON.parse(gunzipSync(Buffer.from(blob, 'base64')).toString('utf8'));
  } catch (e) {
    return { status: 'unreadable', reason: `its data cannot be decoded (${(e as Error).message})` };
  }
  if (!Array.isArray(referrals) || String(referrals.length) !== String(count)) {
    return { status: 'unreadable', reason: 'it does not hold the referrals its first row counts' };
  }
  const valid = referrals.every((r: unknown) => typeof r === 'object' && r !== null && typeof (r as Referral).id === 'string' && typeof (r as Referral).eTag === 'string');
  if (!valid) return { status: 'unreadable', reason: 'a referral in it has no id or eTag' };
  return { status: 'found', baseline: { format: BASELINE_FORMAT, exportedAt, baseUrl, sha256: '', referrals: referrals as Referral[] } };
}
