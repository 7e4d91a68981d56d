import { readFile } from 'node:fs/promises';
import { sha256Hex, type BaselineRead } from '../export-baseline.js';
import { openWorkbook } from './open-workbook.js';
import { rememberedWorkbookBaseline } from './read-workbook-changeset.js';
import { baselineFromSheetRows } from './workbook-baseline.js';
import { BASELINE_SHEET } from './workbook-layout.js';

/**
 * The baseline an exported workbook carries in its very-hidden sheet, as
 * `readExportBaseline` gives a sidecar's: taken from the read that validation
 * already made of the same bytes, or read now.
 */
export async function readWorkbookBaseline(path: string): Promise<BaselineRead> {
  let sha256: string;
  try {
    sha256 = sha256Hex(await readFile(path));
  } catch (e) {
    return { status: 'unreadable', reason: (e as Error).message };
  }
  let read = rememberedWorkbookBaseline(sha256);
  if (read === undefined) {
    const opened = await openWorkbook(path, path);
    if (!opened.ok) return { status: 'unreadable', reason: opened.message };
    const sheet = opened.workbook.sheets.find((s) => s.name === BASELINE_SHEET);
    if (sheet === undefined) return { status: 'missing' };
    read = baselineFromSheetRows(sheet.rows);
  }
  if (read.status !== 'found') return read;
  return { status: 'found', baseline: read.baseline, fileSha256: sha256 };
}
