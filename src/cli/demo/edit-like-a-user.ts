import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { writePrivateFileAtomic } from '../../files/private-file.js';

/** What the demo's "user" did to the spreadsheet, to say so on screen. */
export interface DemoEdits {
  dealValueRaised: string[];
  closedLost: string[];
  notesAdded: string[];
}

/**
 * Edits an exported CSV the way a person in Excel would: a few cells changed,
 * every other cell left as exported, saved back with a BOM.
 */
export async function editLikeAUser(csvPath: string): Promise<DemoEdits> {
  const text = (await readFile(csvPath, 'utf8')).replace(/^\uFEFF/, '');
  const rows = parse(text, { columns: true, skip_empty_lines: true }) as Record<string, string>[];
  const edits: DemoEdits = { dealValueRaised: [], closedLost: [], notesAdded: [] };
  rows.forEach((row, i) => {
    const id = row['id'] ?? '';
    if (i < 5) {
      const value = Number(row['dealValue'] ?? '0');
      row['dealValue'] = String(Math.round((Number.isFinite(value) ? value : 0) * 1.1 + 500));
      edits.dealValueRaised.push(id);
    } else if (i < 7) {
      row['status'] = 'Closed';
      row['substatus'] = 'Lost';
      row['statusReason'] = 'Customer chose another vendor';
      edits.closedLost.push(id);
    } else if (i < 9) {
      row['notes'] = 'Follow-up call booked for next week';
      edits.notesAdded.push(id);
    }
  });
  const columns = Object.keys(rows[0] ?? {});
  await writePrivateFileAtomic(csvPath, stringify(rows, { header: true, columns, bom: true }), { what: 'demo file' });
  return edits;
}
