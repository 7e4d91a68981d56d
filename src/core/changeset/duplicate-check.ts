import { error, formatLocation, type Diagnostic, type SourceLocation } from '../diagnostics.js';
import type { Selector } from '../changeset.js';

/**
 * The same referral selected twice (across rows and files) is an error naming
 * both places: two changes to one referral either conflict or should be one.
 * Built for a million rows: a key is a compact string (a GUID packs into 8
 * UTF-16 units) and a place is one number, so nothing else of a change is kept.
 */

const GUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const FILE_FACTOR = 2 ** 40;
const COLUMN_FACTOR = 4096;

export function selectorKey(selector: Selector): string | undefined {
  if (selector.kind === 'id') {
    const id = selector.id.toLowerCase();
    if (GUID.test(id)) {
      const hex = id.length === 36 ? id.slice(0, 8) + id.slice(9, 13) + id.slice(14, 18) + id.slice(19, 23) + id.slice(24) : id;
      const units: number[] = [];
      for (let i = 0; i < 32; i += 4) units.push(parseInt(hex.slice(i, i + 4), 16));
      return 'g' + String.fromCharCode(...units);
    }
    return `i${id}`;
  }
  if (selector.kind === 'externalReferenceId') return `x${selector.externalReferenceId}`;
  return undefined; // where: overlaps are only known at plan time
}

interface FileSlot {
  file: string;
  columnName?: string;
}

export interface DuplicateCheck {
  /** Records the change; on a repeat, reports it and returns the key so callers can drop both. */
  check(selector: Selector, at: SourceLocation, report: (d: Diagnostic) => void): string | undefined;
  readonly size: number;
}

export function createDuplicateCheck(): DuplicateCheck {
  const seen = new Map<string, number>();
  const files: FileSlot[] = [];
  const fileIndex = new Map<string, number>();

  const slotOf = (at: SourceLocation): number => {
    const id = 'line' in at ? `${at.file}\u0000` : `${at.file}\u0000${at.columnName ?? ''}`;
    let i = fileIndex.get(id);
    if (i === undefined) {
      i = files.length;
      files.push('line' in at || at.columnName === undefined ? { file: at.file } : { file: at.file, columnName: at.columnName });
      fileIndex.set(id, i);
    }
    return i;
  };
  const pack = (at: SourceLocation): number => {
    const pos = 'line' in at ? at.line * COLUMN_FACTOR + Math.min(at.column, COLUMN_FACTOR - 1) : at.row;
    return slotOf(at) * FILE_FACTOR + pos;
  };
  const unpack = (packed: number, like: 'line' | 'row'): SourceLocation => {
    const slot = files[Math.floor(packed / FILE_FACTOR)] ?? { file: '?' };
    const pos = packed % FILE_FACTOR;
    if (like === 'line') return { file: slot.file, line: Math.floor(pos / COLUMN_FACTOR), column: pos % COLUMN_FACTOR };
    return slot.columnName === undefined ? { file: slot.file, row: pos } : { file: slot.file, row: pos, columnName: slot.columnName };
  };
  // A slot remembers whether it holds lines or rows through its first location.
  const kinds: ('line' | 'row')[] = [];

  return {
    check(selector, at, report) {
      const key = selectorKey(selector);
      if (key === undefined) return undefined;
      const packed = pack(at);
      kinds[Math.floor(packed / FILE_FACTOR)] ??= 'line' in at ? 'line' : 'row';
      const first = seen.get(key);
      if (first === undefined) {
        seen.set(key, packed);
        return undefined;
      }
      const firstAt = unpack(first, kinds[Math.floor(first / FILE_FACTOR)] ?? 'row');
      const what = selector.kind === 'id' ? `referral ${selector.id}` : selector.kind === 'externalReferenceId' ? `the referral with externalReferenceId ${selector.externalReferenceId}` : 'this referral';
      report(
        error('duplicate-referral', `${what} is changed twice: here and at ${formatLocation(firstAt)}`, {
          at,
          ...(selector.kind === 'id' ? { referralId: selector.id } : {}),
          hint: 'merge the two into one change (one entry per referral), so the result does not depend on their order',
        }),
      );
      return key;
    },
    get size() {
      return seen.size;
    },
  };
}
