/**
 * Makes an untrusted string safe to print to a terminal or a log: every character that a terminal
 * acts on instead of showing is replaced by a visible escape. A referral name from the API or a value
 * from a change set can otherwise clear the screen (ESC [2J), set the window title (ESC ] … BEL),
 * overwrite the line an approver reads (CR), forge a log line (LF), or reorder what is shown
 * (bidi overrides).
 *
 * Escaped: C0 controls (U+0000–U+001F), DEL (U+007F), C1 controls (U+0080–U+009F), the bidi
 * embeddings, overrides, isolates and marks (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069),
 * and the line/paragraph separators U+2028/U+2029. Spelled as `\n`, `\r`, `\t` where those
 * exist, `\xHH` for the other controls below U+0100, and `\u{HHHH}` for the rest.
 *
 * Pure and idempotent on its own output (the escapes are plain printable ASCII).
 */

export interface EscapeOptions {
  /**
   * Text that is meant to span lines (a multi-line message, a note): LF, CRLF and TAB stay as they
   * are. A lone CR is still escaped, since it moves the cursor back over what was printed.
   */
  multiline?: boolean;
}

// One class for everything escaped; `u` so that astral characters are single code points.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/u;
const UNSAFE_ALL = new RegExp(UNSAFE.source, 'gu');
const UNSAFE_OR_CRLF = new RegExp(`\\r\\n|${UNSAFE.source}`, 'gu');

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** True when `s` holds a character that `escapeControls` would change. */
export function hasControls(s: string): boolean {
  return UNSAFE.test(s);
}

export function escapeControls(s: string, options: EscapeOptions = {}): string {
  if (!UNSAFE.test(s)) return s; // the common case: no copy
  if (options.multiline) {
    return s.replace(UNSAFE_OR_CRLF, (c) => (c === '\r\n' ? '\n' : c === '\n' || c === '\t' ? c : visible(c)));
  }
  return s.replace(UNSAFE_ALL, visible);
}

function visible(c: string): string {
  const named = NAMED[c];
  if (named !== undefined) return named;
  const code = c.codePointAt(0)!;
  return code < 0x100 ? `\\x${hex(code, 2)}` : `\\u{${hex(code, 4)}}`;
}

function hex(n: number, width: number): string {
  return n.toString(16).toUpperCase().padStart(width, '0');
}

/**
 * Escapes every string inside a JSON-like value (keys too), for printing a structure from the API
 * with JSON.stringify-free renderers. Non-strings pass through.
 */
export function escapeControlsDeep<T>(value: T, options: EscapeOptions = {}): T {
  if (typeof value === 'string') return escapeControls(value, options) as T;
  if (Array.isArray(value)) return value.map((v) => escapeControlsDeep(v, options)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[escapeControls(k)] = escapeControlsDeep(v, options);
    return out as T;
  }
  return value;
}

// What JSON.stringify leaves raw that a terminal may still act on: it escapes C0 itself.
const RAW_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/gu;

/**
 * JSON.stringify for output that may land on a terminal (`--json` on stdout, error documents on
 * stderr): the same document, with the controls JSON.stringify leaves raw (DEL, C1, bidi, U+2028/9)
 * written as `\uXXXX` escapes, which every JSON parser reads back as the same characters.
 */
export function jsonForTerminal(value: unknown, space?: number): string {
  const text = JSON.stringify(value, null, space);
  return text === undefined ? 'null' : text.replace(RAW_IN_JSON, (c) => `\\u${hex(c.charCodeAt(0), 4)}`);
}
