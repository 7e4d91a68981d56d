import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { readXlsx } from 'hucre/xlsx';
import { describe, expect, it } from 'vitest';
import { readZipDirectory } from '../../src/files/workbook/zip-directory.js';
import { runCli } from '../helpers/run-cli.js';
import { tempTree } from '../helpers/temp-dir.js';
import { emulatorForSuite } from '../helpers/emulator-suite.js';

// The structure of every workbook refplan writes (default and --protect), checked part by part
// against ECMA-376, because LibreOffice accepts files Excel refuses (xlsx-notes.md).
const suite = emulatorForSuite({ generate: 40, randomSeed: 3 }, 't');

/** CT_Worksheet's child elements, in the order the schema's sequence requires. */
const CT_WORKSHEET = [
  'sheetPr', 'dimension', 'sheetViews', 'sheetFormatPr', 'cols', 'sheetData', 'sheetCalcPr', 'sheetProtection', 'protectedRanges',
  'scenarios', 'autoFilter', 'sortState', 'dataConsolidate', 'customSheetViews', 'mergeCells', 'phoneticPr', 'conditionalFormatting',
  'dataValidations', 'hyperlinks', 'printOptions', 'pageMargins', 'pageSetup', 'headerFooter', 'rowBreaks', 'colBreaks',
  'customProperties', 'cellWatches', 'ignoredErrors', 'smartTags', 'drawing', 'legacyDrawing', 'legacyDrawingHF', 'drawingHF',
  'picture', 'oleObjects', 'controls', 'webPublishItems', 'tableParts', 'extLst',
];

function parts(bytes: Buffer): Map<string, string> {
  const entries = readZipDirectory(bytes);
  expect(entries).toBeDefined();
  const out = new Map<string, string>();
  for (const e of entries ?? []) {
    const at = e.localHeaderOffset;
    const start = at + 30 + bytes.readUInt16LE(at + 26) + bytes.readUInt16LE(at + 28);
    const raw = bytes.subarray(start, start + e.compressedSize);
    out.set(e.name, (e.method === 8 ? inflateRawSync(raw) : raw).toString('utf8'));
  }
  return out;
}

/** Names of the root element's children, in document order. */
function topLevel(xml: string): string[] {
  const names: string[] = [];
  let depth = 0;
  for (const m of xml.replace(/<\?xml[^>]*\?>/, '').matchAll(/<(\/?)([A-Za-z][\w:.]*)[^>]*?(\/?)>/g)) {
    const [, close, name = '', selfClose] = m;
    if (close === '/') depth--;
    else {
      if (depth === 1) names.push(name.replace(/^\w+:/, ''));
      if (selfClose !== '/') depth++;
    }
  }
  return names;
}

const attr = (tag: string, name: string) => new RegExp(`\\b${name}="([^"]*)"`).exec(tag)?.[1];

async function exportWorkbook(args: string[]): Promise<{ bytes: Buffer; path: string }> {
  const dir = tempTree();
  const run = await runCli(['export', '-o', 'w.xlsx', ...args], { cwd: dir, env: suite.env });
  expect(run.code, run.stderr).toBe(0);
  const path = join(dir, 'w.xlsx');
  return { bytes: readFileSync(path), path };
}

describe.each([[[] as string[]], [['--protect']]])('the workbook export %j', (args) => {
  it('has its parts in order, each declared, its sheets hidden as intended, and a schema-ordered worksheet', async () => {
    const { bytes, path } = await exportWorkbook(args);
    const p = parts(bytes);
    const names = [...p.keys()];
    expect(names[0]).toBe('[Content_Types].xml');
    for (const required of ['_rels/.rels', 'xl/workbook.xml', 'xl/_rels/workbook.xml.rels', 'xl/styles.xml']) expect(names).toContain(required);

    // Every part but the content types and relationships has a content type; every relationship target exists.
    const types = p.get('[Content_Types].xml') ?? '';
    for (const name of names.filter((n) => !n.endsWith('.rels') && n !== '[Content_Types].xml')) {
      const ext = name.split('.').pop() ?? '';
      expect(types.includes(`PartName="/${name}"`) || types.includes(`Extension="${ext}"`), name).toBe(true);
    }
    const rels = p.get('xl/_rels/workbook.xml.rels') ?? '';
    for (const m of rels.matchAll(/Target="([^"]+)"/g)) expect(names, m[1]).toContain(`xl/${(m[1] ?? '').replace(/^\/?xl\//, '')}`);

    // Sheets: Referrals first and active, README, Lists hidden, the baseline very hidden.
    const workbook = p.get('xl/workbook.xml') ?? '';
    const sheets = [...workbook.matchAll(/<sheet\b[^>]*>/g)].map((m) => ({ name: attr(m[0], 'name'), state: attr(m[0], 'state') }));
    expect(sheets).toEqual([
      { name: 'Referrals', state: undefined },
      { name: 'README', state: undefined },
      { name: 'Lists', state: 'hidden' },
      { name: 'refplan-baseline', state: 'veryHidden' },
    ]);

    for (const [name, xml] of p) {
      if (!name.startsWith('xl/worksheets/')) continue;
      const order = topLevel(xml).map((e) => CT_WORKSHEET.indexOf(e));
      expect(order.every((i) => i >= 0), `${name}: ${topLevel(xml).join(',')}`).toBe(true);
      expect(order, `${name} children out of CT_Worksheet order: ${topLevel(xml).join(',')}`).toEqual([...order].sort((a, b) => a - b));
    }

    const data = p.get('xl/worksheets/sheet1.xml') ?? '';
    expect(data).toMatch(/<pane\b[^>]*ySplit="1"[^>]*state="frozen"/);
    const book = await readXlsx(new Uint8Array(bytes), { sheets: ['Referrals', 'Lists'] });
    const [referrals, lists] = book.sheets;
    const header = (referrals?.rows[0] ?? []) as string[];
    const rows = (referrals?.rows.length ?? 0) - 1;
    expect(rows).toBe(suite.emu.store.all().length);
    const letter = (i: number) => String.fromCharCode(65 + i);
    expect(attr(/<autoFilter\b[^>]*>/.exec(data)?.[0] ?? '', 'ref')).toBe(`A1:${header.length > 26 ? 'A' + letter(header.length - 27) : letter(header.length - 1)}${rows + 1}`);

    // The pins are hidden columns A–C; nothing else is.
    const hidden = [...data.matchAll(/<col\b[^>]*>/g)].filter((m) => attr(m[0], 'hidden') === '1' || attr(m[0], 'hidden') === 'true').map((m) => Number(attr(m[0], 'min')));
    expect(hidden).toEqual([1, 2, 3]);
    expect(header.slice(0, 3)).toEqual(['id', 'eTag', 'rowHash']);

    // One validation per list column, each a whole column below the header, each a range of the Lists sheet
    // that holds exactly that column's values.
    const validations = [...data.matchAll(/<dataValidation\b([^>]*)>\s*<formula1>([^<]*)<\/formula1>/g)].map((m) => ({ sqref: attr(m[1] ?? '', 'sqref') ?? '', formula: m[2] ?? '' }));
    expect(attr(/<dataValidations\b[^>]*>/.exec(data)?.[0] ?? '', 'count')).toBe(String(validations.length));
    const columns = validations.map((v) => header[(v.sqref.charCodeAt(0) - 65)]);
    expect(columns).toEqual(['status', 'substatus', 'qualification', 'currency']);
    expect(new Set(validations.map((v) => v.sqref.replace(/\d+/g, ''))).size).toBe(validations.length);
    validations.forEach((v, i) => {
      expect(v.sqref).toMatch(/^([A-Z]+)2:\1(1048576)$/);
      const m = /^Lists!\$([A-Z])\$2:\$\1\$(\d+)$/.exec(v.formula);
      expect(m, v.formula).not.toBeNull();
      const col = (m?.[1] ?? 'A').charCodeAt(0) - 65;
      expect(lists?.rows[0]?.[col]).toBe(columns[i]);
      const values = (lists?.rows ?? []).slice(1).map((r) => r[col]).filter((x) => x !== null && x !== undefined);
      expect(values.length).toBe(Number(m?.[2]) - 1);
    });
    expect(lists?.rows[0]).toEqual(['status', 'substatus', 'qualification', 'currency']);

    // Protection only when asked for; filtering stays allowed under it.
    const protection = /<sheetProtection\b[^>]*>/.exec(data)?.[0];
    if (args.includes('--protect')) {
      expect(protection).toBeDefined();
      expect(attr(protection ?? '', 'autoFilter')).toBe('0');
      expect(attr(protection ?? '', 'formatColumns')).toBe('1');
    } else expect(protection).toBeUndefined();

    const validate = await runCli(['validate', path]);
    expect(validate.code, validate.stdout).toBe(0);
  });
});

describe('workbook cells', () => {
  it('writes a text that spells an Excel error as text, and reads it back as that text', async () => {
    const victim = suite.emu.store.all()[0]!;
    const res = await fetch(`${suite.emu.url}/engagements/referrals/${victim.id}`, {
      method: 'PATCH',
      headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
      body: JSON.stringify([{ op: 'replace', path: '/details/notes', value: '#N/A' }]),
    });
    expect(res.status).toBeLessThan(300);
    const { bytes } = await exportWorkbook([]);
    const data = parts(bytes).get('xl/worksheets/sheet1.xml') ?? '';
    expect(data).not.toMatch(/t="e"/);
    const book = await readXlsx(new Uint8Array(bytes), { sheets: ['Referrals'] });
    const rows = book.sheets[0]?.rows ?? [];
    const notes = (rows[0] ?? []).indexOf('notes');
    expect(rows.find((r) => r[0] === victim.id)?.[notes]).toBe('#N/A');
    expect([...(book.sheets[0]?.cells ?? new Map()).values()].some((c) => c.type === 'error')).toBe(false);
  });
});
