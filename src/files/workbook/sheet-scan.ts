import { createInflateRaw, inflateRawSync } from 'node:zlib';
import { UnreadablePartError } from './sheet-rows.js';
import { entryRawBytes, type ZipEntryInfo } from './zip-directory.js';

/**
 * What the row stream of a worksheet does not say, found by one streamed pass
 * over its XML: the sheet list of the workbook (names, visibility, part paths,
 * date system), and in a sheet the merged ranges, the error cells and the
 * formulas (with or without a cached value). Cells are 0-based (row, col).
 */
export interface SheetEntry {
  name: string;
  hidden: boolean;
  veryHidden: boolean;
  path: string;
}

export interface WorkbookDirectory {
  sheets: SheetEntry[];
  date1904: boolean;
  /** The shared strings and styles parts, as the workbook's relationships name them. */
  sharedStringsPath?: string | undefined;
  stylesPath?: string | undefined;
}

export interface SheetFindings {
  merges: { startRow: number; startCol: number; endRow: number; endCol: number }[];
  errors: { row: number; col: number; value: string }[];
  formulas: { row: number; col: number; cached: boolean; formula: string }[];
}

function readSmall(data: Uint8Array, entries: readonly ZipEntryInfo[], name: string): string | undefined {
  const entry = entries.find((e) => e.name.toLowerCase() === name.toLowerCase());
  if (entry === undefined) return undefined;
  const raw = entryRawBytes(data, entry);
  return Buffer.from(entry.method === 8 ? inflateRawSync(raw, { maxOutputLength: Math.max(1, entry.uncompressedSize) }) : raw).toString('utf8');
}

const attr = (tag: string, name: string): string | undefined => new RegExp(`(?:^|\\s)${name}="([^"]*)"`).exec(tag)?.[1];
const unescape = (s: string) => s.replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

export function readWorkbookDirectory(data: Uint8Array, entries: readonly ZipEntryInfo[]): WorkbookDirectory | undefined {
  const workbook = readSmall(data, entries, 'xl/workbook.xml');
  if (workbook === undefined) return undefined;
  const rels = readSmall(data, entries, 'xl/_rels/workbook.xml.rels') ?? '';
  const targets = new Map<string, string>();
  const byType = new Map<string, string>();
  for (const m of rels.matchAll(/<Relationship\b([^>]*)>/g)) {
    const id = attr(m[1] ?? '', 'Id');
    const target = attr(m[1] ?? '', 'Target');
    if (id === undefined || target === undefined) continue;
    const path = target.startsWith('/') ? target.slice(1) : `xl/${target.replace(/^\.\//, '')}`;
    targets.set(id, path);
    const type = /\/(\w+)$/.exec(attr(m[1] ?? '', 'Type') ?? '')?.[1];
    if (type !== undefined && !byType.has(type)) byType.set(type, path);
  }
  const sheets: SheetEntry[] = [];
  for (const m of workbook.matchAll(/<(?:\w+:)?sheet\b([^>]*)>/g)) {
    const tag = m[1] ?? '';
    const rid = /\s[\w]+:id="([^"]*)"/.exec(tag)?.[1];
    const state = attr(tag, 'state');
    sheets.push({ name: unescape(attr(tag, 'name') ?? ''), hidden: state === 'hidden', veryHidden: state === 'veryHidden', path: (rid === undefined ? undefined : targets.get(rid)) ?? '' });
  }
  const pr = /<(?:\w+:)?workbookPr\b([^>]*)>/.exec(workbook)?.[1] ?? '';
  const date1904 = /(?:^|\s)date1904="(1|true)"/.test(pr);
  return { sheets, date1904, sharedStringsPath: byType.get('sharedStrings'), stylesPath: byType.get('styles') };
}

function cellPosition(ref: string): { row: number; col: number } | undefined {
  const m = /^([A-Z]+)(\d+)$/.exec(ref);
  if (m === null) return undefined;
  let col = 0;
  for (const ch of m[1] ?? '') col = col * 26 + (ch.charCodeAt(0) - 64);
  return { row: Number(m[2]) - 1, col: col - 1 };
}

/** Error cells and formulas in complete `<row>` elements (a formula-free, error-free row costs two searches). */
function scanRows(text: string, found: SheetFindings): void {
  for (const needle of [' t="e"', '<f']) {
    let at = text.indexOf(needle);
    while (at >= 0) {
      const start = text.lastIndexOf('<c', at);
      const open = text.indexOf('>', start);
      const selfClosing = text[open - 1] === '/';
      const end = selfClosing ? open + 1 : text.indexOf('</c>', open) + 4;
      const cell = text.slice(start, end);
      const tag = text.slice(start, open);
      const pos = cellPosition(attr(tag, 'r') ?? '');
      if (pos !== undefined && (needle === '<f' ? /<f[\s>/]/.test(cell) : true)) {
        const value = /<v>([^<]*)<\/v>/.exec(cell)?.[1];
        if (attr(tag, 't') === 'e') {
          if (needle === ' t="e"') found.errors.push({ ...pos, value: unescape(value ?? '#ERROR') });
        } else if (needle === '<f') {
          found.formulas.push({ ...pos, cached: value !== undefined, formula: unescape(/<f[^>]*>([^<]*)<\/f>/.exec(cell)?.[1] ?? '') });
        }
      }
      at = text.indexOf(needle, Math.max(end, at + 1));
    }
  }
}

export async function scanSheet(data: Uint8Array, entries: readonly ZipEntryInfo[], path: string): Promise<SheetFindings> {
  const found: SheetFindings = { merges: [], errors: [], formulas: [] };
  const entry = entries.find((e) => e.name === path);
  if (entry === undefined) return found;
  const raw = entryRawBytes(data, entry);
  const decoder = new TextDecoder('utf-8');
  let carry = '';
  const take = (chunk: string, final: boolean) => {
    const text = carry + chunk;
    const cut = final ? text.length : text.lastIndexOf('</row>') + 6;
    if (cut < 6 && !final) {
      carry = text;
      return;
    }
    scanRows(text.slice(0, cut), found);
    for (const m of text.slice(0, cut).matchAll(/<mergeCell\b[^>]*\bref="([A-Z]+\d+):([A-Z]+\d+)"/g)) {
      const a = cellPosition(m[1] ?? '');
      const b = cellPosition(m[2] ?? '');
      if (a !== undefined && b !== undefined) found.merges.push({ startRow: a.row, startCol: a.col, endRow: b.row, endCol: b.col });
    }
    carry = text.slice(cut);
  };
  if (entry.method !== 8) {
    take(decoder.decode(raw), true);
    return found;
  }
  // maxOutputLength binds only zlib's one-shot calls: a stream is held to the declared size here.
  const inflate = createInflateRaw();
  let seen = 0;
  const done = new Promise<void>((resolve, reject) => {
    inflate.on('data', (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > entry.uncompressedSize) {
        inflate.destroy();
        reject(new UnreadablePartError(`${entry.name} inflates past the ${entry.uncompressedSize} bytes its zip entry declares`));
        return;
      }
      take(decoder.decode(chunk, { stream: true }), false);
    });
    inflate.on('end', () => {
      take(decoder.decode(), true);
      resolve();
    });
    inflate.on('error', reject);
  });
  inflate.end(raw);
  await done;
  return found;
}
