import type { BaselineRead } from '../export-baseline.js';
import { openWorkbook } from './open-workbook.js';
import { readWorkbookBaselineSheet } from './read-workbook-changeset.js';
import { BASELINE_SHEET } from './workbook-layout.js';

/**
 * The baseline an exported workbook carries in its very-hidden sheet, as
 * `readExportBaseline` gives a sidecar's. Read only when planning needs it
 * (validation does not), in one streamed pass over that sheet.
 */
export async function readWorkbookBaseline(path: string): Promise<BaselineRead> {
  const opened = await openWorkbook(path, path);
  if (!opened.ok) return { status: 'unreadable', reason: opened.message };
  if (!opened.directory.sheets.some((s) => s.name === BASELINE_SHEET)) return { status: 'missing' };
  let read;
  try {
    read = await readWorkbookBaselineSheet(opened.data);
  } catch (e) {
    return { status: 'unreadable', reason: (e as Error).message };
  }
  if (read.status !== 'found') return read;
  return { status: 'found', baseline: read.baseline, fileSha256: opened.sha256 };
}
