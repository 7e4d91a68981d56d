import { error, formatLocation, type Diagnostic, type SourceLocation } from '../diagnostics.js';
import type { Selector } from '../changeset.js';

/**
 * The same referral selected twice (across rows and files) is an error naming
 * both places: two changes to one referral either conflict or should be one.
 * Built for a million rows: GUID ids (the common case) live in an open-addressing
 * table of typed arrays (16 bytes of key + 8 bytes of place per slot, off the
 * JS heap, so the garbage collector neither scans nor copies them); other keys
 * in a Map. A place is one number, so nothing else of a change is kept.
 */

/** GUID → packed place; linear probing over power-of-two typed arrays. */
class GuidTable {
  private capacity = 1 << 12;
  private used = 0;
  private keys = new Uint32Array(this.capacity * 4);
  /** packed place + 1; 0 = empty slot. */
  private places = new Float64Array(this.capacity);

  get size(): number {
    return this.used;
  }

  private static hash(w0: number, w1: number, w2: number, w3: number): number {
    let h = Math.imul(w0 ^ 0x9e3779b9, 0x85ebca6b);
    h = Math.imul(h ^ w1 ^ (h >>> 13), 0xc2b2ae35);
    h = Math.imul(h ^ w2 ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ w3 ^ (h >>> 13), 0xc2b2ae35);
    return (h ^ (h >>> 16)) >>> 0;
  }

  /** The place already stored for this GUID, or -1 after storing `packed`. */
  getOrSet(w0: number, w1: number, w2: number, w3: number, packed: number): number {
    if ((this.used + 1) * 4 > this.capacity * 3) this.grow();
    const mask = this.capacity - 1;
    let i = GuidTable.hash(w0, w1, w2, w3) & mask;
    for (;;) {
      const place = this.places[i] ?? 0;
      if (place === 0) {
        const k = i * 4;
        this.keys[k] = w0;
        this.keys[k + 1] = w1;
        this.keys[k + 2] = w2;
        this.keys[k + 3] = w3;
        this.places[i] = packed + 1;
        this.used++;
        return -1;
      }
      const k = i * 4;
      if (this.keys[k] === w0 && this.keys[k + 1] === w1 && this.keys[k + 2] === w2 && this.keys[k + 3] === w3) return place - 1;
      i = (i + 1) & mask;
    }
  }

  private grow(): void {
    const { keys, places, capacity } = this;
    this.capacity = capacity * 2;
    this.keys = new Uint32Array(this.capacity * 4);
    this.places = new Float64Array(this.capacity);
    this.used = 0;
    for (let i = 0; i < capacity; i++) {
      const place = places[i] ?? 0;
      if (place !== 0) this.getOrSet(keys[i * 4] ?? 0, keys[i * 4 + 1] ?? 0, keys[i * 4 + 2] ?? 0, keys[i * 4 + 3] ?? 0, place - 1);
    }
  }
}

const WORDS = new Uint32Array(4);

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  return l >= 97 && l <= 102 ? l - 87 : -1;
}

/** A dashed GUID as four 32-bit words (case-insensitive), or undefined for anything else. Reuses one buffer. */
function guidWords(id: string): Uint32Array | undefined {
  if (id.length !== 36) return undefined;
  let word = 0;
  let nibbles = 0;
  for (let i = 0; i < 36; i++) {
    const c = id.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 45) return undefined;
      continue;
    }
    const v = hexValue(c);
    if (v < 0) return undefined;
    word = (word << 4) | v;
    nibbles++;
    if ((nibbles & 7) === 0) WORDS[(nibbles >> 3) - 1] = word >>> 0;
  }
  return WORDS;
}

const GUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const FILE_FACTOR = 2 ** 40;
const COLUMN_FACTOR = 4096;

export function selectorKey(selector: Selector): string | undefined {
  if (selector.kind === 'id') {
    const id = selector.id.toLowerCase();
    if (GUID.test(id)) {
      const hex = id.length === 36 ? id.slice(0, 8) + id.slice(9, 13) + id.slice(14, 18) + id.slice(19, 23) + id.slice(24) : id;
      const units: number[] = [0x67]; // 'g', in the same flat string (a 'g' + s concatenation would keep a cons string per key)
      for (let i = 0; i < 32; i += 4) units.push(parseInt(hex.slice(i, i + 4), 16));
      return String.fromCharCode(...units);
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
  const guids = new GuidTable();
  const files: FileSlot[] = [];
  const fileIndex = new Map<string, number>();

  let lastAt: SourceLocation | undefined;
  let lastSlot = 0;
  const slotOf = (at: SourceLocation): number => {
    // Rows of one file come in a run: skip the lookup while file and column stay the same.
    if (lastAt !== undefined && lastAt.file === at.file && 'line' in lastAt === 'line' in at && (('line' in at) || (lastAt as { columnName?: string }).columnName === at.columnName)) return lastSlot;
    lastAt = at;
    lastSlot = slotIndex(at);
    return lastSlot;
  };
  const slotIndex = (at: SourceLocation): number => {
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
      if (selector.kind === 'where') return undefined;
      const packed = pack(at);
      kinds[Math.floor(packed / FILE_FACTOR)] ??= 'line' in at ? 'line' : 'row';
      let first: number | undefined;
      const words = selector.kind === 'id' ? guidWords(selector.id) : undefined;
      if (words !== undefined) {
        const found = guids.getOrSet(words[0] ?? 0, words[1] ?? 0, words[2] ?? 0, words[3] ?? 0, packed);
        if (found < 0) return undefined;
        first = found;
      } else {
        const key = selectorKey(selector) ?? '';
        first = seen.get(key);
        if (first === undefined) {
          seen.set(key, packed);
          return undefined;
        }
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
      return selectorKey(selector);
    },
    get size() {
      return seen.size + guids.size;
    },
  };
}
