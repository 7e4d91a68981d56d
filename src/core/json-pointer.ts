import { RefplanError } from './errors.js';
import { ExitCode } from './exit-codes.js';
import type { JsonValue } from './referral.js';

/**
 * RFC 6901 JSON Pointers over plain JSON values. Reads never mutate; writes
 * return a new document that shares untouched branches with the old one.
 * Segments that could reach Object.prototype are refused outright: refplan
 * never needs them, and fast-json-patch treats them the same way.
 */

const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'constructor', 'prototype']);

/** A pointer that is malformed or names a prototype key. */
export class InvalidPointerError extends RefplanError {
  readonly pointer: string;
  constructor(pointer: string, message: string) {
    super('invalid-pointer', message, { exitCode: ExitCode.invalidInput });
    this.pointer = pointer;
  }
}

export function escapeSegment(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** `/details/notes` → `['details', 'notes']`; `''` (the whole document) → `[]`. */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new InvalidPointerError(pointer, `JSON Pointer "${pointer}" must start with "/"`);
  return pointer
    .slice(1)
    .split('/')
    .map((raw) => {
      if (/~[^01]|~$/.test(raw)) throw new InvalidPointerError(pointer, `JSON Pointer "${pointer}" has a "~" not followed by 0 or 1`);
      const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
      if (FORBIDDEN_SEGMENTS.has(segment)) {
        throw new InvalidPointerError(pointer, `JSON Pointer "${pointer}" names "${segment}", which refplan refuses (prototype pollution guard)`);
      }
      return segment;
    });
}

export function formatPointer(segments: readonly string[]): string {
  return segments.map((s) => `/${escapeSegment(s)}`).join('');
}

export function isObject(value: unknown): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function arrayIndex(segment: string, length: number, allowEnd: boolean): number | undefined {
  if (segment === '-') return allowEnd ? length : undefined;
  if (!/^(0|[1-9][0-9]*)$/.test(segment)) return undefined;
  const index = Number(segment);
  return index < length || (allowEnd && index === length) ? index : undefined;
}

function child(container: JsonValue, segment: string): { found: boolean; value?: JsonValue } {
  if (Array.isArray(container)) {
    const index = arrayIndex(segment, container.length, false);
    return index === undefined ? { found: false } : { found: true, value: container[index] as JsonValue };
  }
  if (isObject(container) && Object.prototype.hasOwnProperty.call(container, segment)) {
    const value = container[segment];
    return value === undefined ? { found: false } : { found: true, value };
  }
  return { found: false };
}

export type Lookup = { found: true; value: JsonValue } | { found: false };

/** The value at `pointer`, or `{ found: false }` when any segment is missing. */
export function getAt(doc: JsonValue, pointer: string | readonly string[]): Lookup {
  const segments = typeof pointer === 'string' ? parsePointer(pointer) : pointer;
  let current: JsonValue = doc;
  for (const segment of segments) {
    const next = child(current, segment);
    if (!next.found) return { found: false };
    current = next.value as JsonValue;
  }
  return { found: true, value: current };
}

/** Convenience: the value at `pointer`, `undefined` when absent. */
export function valueAt(doc: JsonValue, pointer: string): JsonValue | undefined {
  const hit = getAt(doc, pointer);
  return hit.found ? hit.value : undefined;
}

/**
 * RFC 6902 `add` or `replace` at `pointer`, returning a new document.
 * `add` on an array inserts (`-` appends); `replace` requires the target to exist.
 * Throws InvalidPointerError when the parent is missing, as a server would refuse it.
 */
export function setAt(doc: JsonValue, pointer: string, value: JsonValue, mode: 'add' | 'replace'): JsonValue {
  const segments = parsePointer(pointer);
  if (segments.length === 0) {
    return value;
  }
  const write = (node: JsonValue, depth: number): JsonValue => {
    const segment = segments[depth] as string;
    const last = depth === segments.length - 1;
    if (Array.isArray(node)) {
      const index = arrayIndex(segment, node.length, last && mode === 'add');
      if (index === undefined) throw new InvalidPointerError(pointer, `JSON Pointer "${pointer}": no array element "${segment}"`);
      const copy = node.slice();
      if (last) {
        if (mode === 'add') copy.splice(index, 0, value);
        else copy[index] = value;
      } else {
        copy[index] = write(node[index] as JsonValue, depth + 1);
      }
      return copy;
    }
    if (isObject(node)) {
      const exists = Object.prototype.hasOwnProperty.call(node, segment) && node[segment] !== undefined;
      if (!exists && (!last || mode === 'replace')) {
        throw new InvalidPointerError(pointer, `JSON Pointer "${pointer}": "${segment}" does not exist`);
      }
      const copy: { [key: string]: JsonValue } = { ...node };
      // defineProperty, not assignment: a "__proto__"-like key must never reach a setter (parsePointer already refuses them).
      Object.defineProperty(copy, segment, {
        value: last ? value : write(node[segment] as JsonValue, depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      return copy;
    }
    throw new InvalidPointerError(pointer, `JSON Pointer "${pointer}": cannot descend into a ${node === null ? 'null' : typeof node} at "${segment}"`);
  };
  return write(doc, 0);
}
