import { error, warning, type Diagnostic } from './diagnostics.js';
import type { JsonValue } from './referral.js';

/**
 * A JSON reader for bodies captured from logs and code, where JSON is rarely
 * clean: the documented PUT example itself ends with a trailing comma. It
 * tolerates exactly three irregularities, each reported as a warning with its
 * line (a UTF-8 BOM, `//` and `/* *\/` comments, trailing commas), and reads
 * several top-level values one after another (NDJSON, or concatenated JSON).
 * Everything else that is not JSON is an error at `line:column` saying what was
 * expected there. Pure: text in, values and diagnostics out.
 */

export interface Position {
  line: number;
  column: number;
}

export interface ParsedValue extends Position {
  value: JsonValue;
  /** For a top-level array: where each element starts (a file of bodies keeps each body's line). */
  items?: Position[];
}

export interface TolerantParseResult {
  /** The top-level values in order; empty when the text had none or an error stopped the parse. */
  values: ParsedValue[];
  diagnostics: Diagnostic[];
}

/** Keys that would reach an object's prototype in later processing (fast-json-patch, merges). */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const MAX_DEPTH = 500;

class SyntaxStop extends Error {}

export function parseTolerantJson(text: string, file: string): TolerantParseResult {
  return new TolerantParser(text, file).parseAll();
}

class TolerantParser {
  private pos = 0;
  private readonly lineStarts: number[] = [0];
  readonly diagnostics: Diagnostic[] = [];

  constructor(
    private readonly text: string,
    private readonly file: string,
  ) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.lineStarts.push(i + 1);
  }

  parseAll(): TolerantParseResult {
    const values: ParsedValue[] = [];
    if (this.text.charCodeAt(0) === 0xfeff) {
      this.warn('json-bom', 'the file starts with a UTF-8 byte order mark (BOM); it was ignored', 0);
      this.pos = 1;
    }
    try {
      for (;;) {
        this.skipSpace();
        if (this.pos >= this.text.length) break;
        const start = this.position(this.pos);
        const isArray = this.text[this.pos] === '[';
        const items: Position[] = [];
        const value = this.parseValue(0, items);
        values.push(isArray ? { ...start, value, items } : { ...start, value });
        this.skipSpace();
        // NDJSON: another value may follow; a stray `,` between top-level values is a real error.
        if (this.pos < this.text.length && this.text[this.pos] !== '{' && this.text[this.pos] !== '[') {
          this.fail(
            'expected the end of the file or the next JSON value (one per line in NDJSON)',
            'a JSON file holds one value, an array of bodies, or one body per line (NDJSON)',
          );
        }
      }
    } catch (e) {
      if (!(e instanceof SyntaxStop)) throw e;
      return { values: [], diagnostics: this.diagnostics };
    }
    return { values, diagnostics: this.diagnostics };
  }

  // -- positions and diagnostics -------------------------------------------------

  private position(offset: number): Position {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.lineStarts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (this.lineStarts[lo] ?? 0) + 1 };
  }

  private warn(code: string, message: string, offset: number): void {
    this.diagnostics.push(warning(code, message, { at: { file: this.file, ...this.position(offset) } }));
  }

  private fail(expected: string, hint?: string, offset = this.pos): never {
    const found = offset >= this.text.length ? undefined : this.excerpt(offset);
    const message = found === undefined ? `${expected}, but the file ends here` : `${expected}`;
    this.diagnostics.push(
      // A separate code for "the text stopped early": readers of refplan's own files call that truncation.
      error(found === undefined ? 'json-truncated' : 'json-syntax', message, {
        at: { file: this.file, ...this.position(offset) },
        ...(found === undefined ? {} : { text: found }),
        ...(hint === undefined ? {} : { hint }),
      }),
    );
    throw new SyntaxStop();
  }

  private describe(offset: number): string {
    const { line, column } = this.position(offset);
    return `line ${line}, column ${column}`;
  }

  private excerpt(offset: number): string {
    const end = this.text.indexOf('\n', offset);
    const line = this.text.slice(offset, end === -1 ? undefined : end).replace(/\r$/, '');
    return line.length > 20 ? `${line.slice(0, 20)}…` : line;
  }

  // -- lexing ----------------------------------------------------------------------

  /** Skips JSON whitespace and (with a warning) comments. */
  private skipSpace(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t[this.pos];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
        this.pos++;
      } else if (c === '/' && t[this.pos + 1] === '/') {
        this.warn('json-comment', 'a // comment is not JSON; it was ignored', this.pos);
        const end = t.indexOf('\n', this.pos);
        this.pos = end === -1 ? t.length : end + 1;
      } else if (c === '/' && t[this.pos + 1] === '*') {
        const end = t.indexOf('*/', this.pos + 2);
        if (end === -1) this.fail('expected "*/" to close this comment', 'close the comment with */ or remove it');
        this.warn('json-comment', 'a /* */ comment is not JSON; it was ignored', this.pos);
        this.pos = end + 2;
      } else {
        return;
      }
    }
  }

  private parseValue(depth: number, items?: Position[]): JsonValue {
    if (depth > MAX_DEPTH) this.fail(`expected at most ${MAX_DEPTH} levels of nesting`);
    this.skipSpace();
    const c = this.text[this.pos];
    switch (c) {
      case '{':
        return this.parseObject(depth);
      case '[':
        return this.parseArray(depth, items);
      case '"':
        return this.parseString();
      case 't':
        return this.parseWord('true', true);
      case 'f':
        return this.parseWord('false', false);
      case 'n':
        return this.parseWord('null', null);
      case "'":
        return this.fail('expected a value; JSON strings use double quotes', 'replace the single quotes with double quotes');
      default:
        if (c !== undefined && (c === '-' || (c >= '0' && c <= '9'))) return this.parseNumber();
        return this.fail('expected a value (object, array, string, number, true, false or null)');
    }
  }

  private parseWord<T extends JsonValue>(word: string, value: T): T {
    if (this.text.startsWith(word, this.pos)) {
      this.pos += word.length;
      return value;
    }
    return this.fail(`expected a value (did you mean ${word}?)`, 'true, false and null are written in lower case, without quotes');
  }

  private parseNumber(): number {
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(this.text.slice(this.pos, this.pos + 400));
    if (m === null) this.fail('expected a number (digits, optionally with a . and an exponent)');
    const after = this.text[this.pos + m[0].length];
    if (after !== undefined && /[0-9A-Za-z_.]/.test(after)) {
      this.fail('expected a number (digits, optionally with a . and an exponent)', 'JSON numbers have no leading zeros, hex or trailing dot', this.pos);
    }
    this.pos += m[0].length;
    return Number(m[0]);
  }

  private parseString(): string {
    const start = this.pos;
    this.pos++; // opening quote
    let out = '';
    const t = this.text;
    for (;;) {
      const c = t[this.pos];
      if (c === undefined) this.fail('expected a closing double quote for the string that starts at ' + this.describe(start));
      if (c === '\n') {
        this.fail('expected a closing double quote for this string', 'close the string on the same line; write a line break as \\n', start);
      }
      if (c === '"') {
        this.pos++;
        return out;
      }
      if (c === '\\') {
        const e = t[this.pos + 1];
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (e !== undefined && simple[e] !== undefined) {
          out += simple[e];
          this.pos += 2;
        } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(t.slice(this.pos + 2, this.pos + 6))) {
          out += String.fromCharCode(parseInt(t.slice(this.pos + 2, this.pos + 6), 16));
          this.pos += 6;
        } else {
          this.fail('expected a valid escape (\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX)', 'write a backslash as \\\\');
        }
        continue;
      }
      if (c.charCodeAt(0) < 0x20) this.fail('expected no raw control characters inside a string', 'escape tabs as \\t');
      out += c;
      this.pos++;
    }
  }

  private parseObject(depth: number): { [key: string]: JsonValue } {
    const obj: { [key: string]: JsonValue } = {};
    const seen = new Set<string>();
    this.pos++; // {
    for (let first = true; ; first = false) {
      this.skipSpace();
      const c = this.text[this.pos];
      if (c === '}') {
        this.pos++;
        return obj;
      }
      if (c !== '"') {
        this.fail(
          first ? 'expected a double-quoted property name or "}"' : 'expected a double-quoted property name',
          c === "'" ? 'JSON property names use double quotes' : 'quote property names with double quotes',
        );
      }
      const keyAt = this.pos;
      const key = this.parseString();
      if (FORBIDDEN_KEYS.has(key)) {
        this.fail(`expected an ordinary property name; "${key}" is refused because it can reach object prototypes`, 'remove this property', keyAt);
      }
      if (seen.has(key)) this.warn('json-duplicate-key', `property "${key}" appears twice in this object; the last value wins`, keyAt);
      seen.add(key);
      this.skipSpace();
      if (this.text[this.pos] !== ':') this.fail(`expected ":" after property name "${key}"`);
      this.pos++;
      obj[key] = this.parseValue(depth + 1);
      this.skipSpace();
      const sep = this.text[this.pos];
      if (sep === ',') {
        const commaAt = this.pos;
        this.pos++;
        this.skipSpace();
        if (this.text[this.pos] === '}') {
          this.warn('json-trailing-comma', 'trailing comma before "}" is not JSON; it was ignored', commaAt);
        }
        continue;
      }
      if (sep === '}') {
        this.pos++;
        return obj;
      }
      this.fail(`expected "," or "}" after the value of "${key}"`, sep === '"' ? 'add a comma between properties' : undefined);
    }
  }

  private parseArray(depth: number, items?: Position[]): JsonValue[] {
    const arr: JsonValue[] = [];
    this.pos++; // [
    for (;;) {
      this.skipSpace();
      if (this.text[this.pos] === ']') {
        this.pos++;
        return arr;
      }
      items?.push(this.position(this.pos));
      arr.push(this.parseValue(depth + 1));
      this.skipSpace();
      const sep = this.text[this.pos];
      if (sep === ',') {
        const commaAt = this.pos;
        this.pos++;
        this.skipSpace();
        if (this.text[this.pos] === ']') {
          this.warn('json-trailing-comma', 'trailing comma before "]" is not JSON; it was ignored', commaAt);
        }
        continue;
      }
      if (sep === ']') {
        this.pos++;
        return arr;
      }
      this.fail('expected "," or "]" after an array element', sep === '{' || sep === '"' ? 'add a comma between elements' : undefined);
    }
  }
}
