import { readFile } from 'node:fs/promises';
import { readWorkbookDirectory, type WorkbookDirectory } from './sheet-scan.js';
import { readZipDirectory, type ZipEntryInfo } from './zip-directory.js';
import { sha256Hex } from '../export-baseline.js';

/**
 * Opens an .xlsx for reading, refusing what refplan cannot read with a reason a
 * person can act on, before (and instead of) a library stack trace: not a zip,
 * an encrypted workbook, a legacy .xls, an .xlsb, or an archive that declares
 * more than {@link MAX_WORKBOOK_UNCOMPRESSED_BYTES} once decompressed.
 */

/** The uncompressed size of all a workbook's parts that refplan reads at most (documented). */
export const MAX_WORKBOOK_UNCOMPRESSED_BYTES = 512 * 1024 * 1024;

export type OpenedWorkbook = { ok: true; data: Uint8Array; entries: ZipEntryInfo[]; directory: WorkbookDirectory; sha256: string } | { ok: false; code: string; message: string; hint: string };

const OLE2 = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];

function startsWith(data: Uint8Array, bytes: readonly number[]): boolean {
  return bytes.every((b, i) => data[i] === b);
}

/** Does the OLE2 container hold a stream of this name (names are UTF-16LE in its directory)? */
function hasOleStream(data: Uint8Array, name: string): boolean {
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).includes(Buffer.from(name, 'utf16le'));
}

function refused(code: string, message: string, hint: string): OpenedWorkbook {
  return { ok: false, code, message, hint };
}

export async function openWorkbook(path: string, file: string): Promise<OpenedWorkbook> {
  const data = new Uint8Array(await readFile(path));
  if (startsWith(data, OLE2)) {
    if (hasOleStream(data, 'EncryptionInfo')) {
      return refused('workbook-encrypted', `${file} is encrypted (saved with a password to open)`, 'open it in Excel, remove the password (File > Info > Protect Workbook > Encrypt with Password, clear it) and save again');
    }
    return refused('workbook-xls', `${file} is an Excel 97-2003 workbook (.xls), which refplan does not read`, 'open it in Excel and save it as Excel Workbook (.xlsx)');
  }
  const entries = readZipDirectory(data);
  if (entries === undefined) {
    const text = data.subarray(0, 512).every((b) => b === 0x09 || b === 0x0a || b === 0x0d || b >= 0x20);
    return refused('workbook-not-zip', `${file} is not an Excel workbook: an .xlsx is a zip archive and this file is not one`, text ? 'it looks like text: if it is CSV, name it .csv' : 'save it from Excel as Excel Workbook (.xlsx)');
  }
  if (entries.some((e) => /^xl\/workbook\.bin$/i.test(e.name))) {
    return refused('workbook-xlsb', `${file} is an Excel binary workbook (.xlsb), which refplan does not read`, 'open it in Excel and save it as Excel Workbook (.xlsx)');
  }
  if (!entries.some((e) => /^xl\/workbook\.xml$/i.test(e.name))) {
    return refused('workbook-not-xlsx', `${file} is a zip archive but not an Excel workbook (it has no xl/workbook.xml)`, 'save it from Excel as Excel Workbook (.xlsx)');
  }
  const declared = entries.reduce((sum, e) => sum + e.uncompressedSize, 0);
  if (declared > MAX_WORKBOOK_UNCOMPRESSED_BYTES) {
    const mb = (n: number) => `${Math.round(n / 1048576).toLocaleString('en-US')} MB`;
    return refused(
      'workbook-too-large',
      `${file} would decompress to ${mb(declared)}, more than the ${mb(MAX_WORKBOOK_UNCOMPRESSED_BYTES)} refplan reads from a workbook`,
      'split it into smaller workbooks, or save the sheet as CSV (read as a stream, with no size limit)',
    );
  }
  let directory: WorkbookDirectory | undefined;
  try {
    directory = readWorkbookDirectory(data, entries);
  } catch {
    directory = undefined;
  }
  if (directory === undefined) {
    return refused('workbook-unreadable', `${file} cannot be read as a workbook (its xl/workbook.xml is unreadable)`, 'open it in Excel and save it again as Excel Workbook (.xlsx)');
  }
  return { ok: true, data, entries, directory, sha256: sha256Hex(data) };
}
