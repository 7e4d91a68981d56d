/**
 * Keeps a bearer token out of anything refplan prints or stores from a server's answer. A hostile or
 * careless server can echo the token back in any spelling: raw, JSON-escaped (`\u0074ok…`, `\/`),
 * URL-encoded (`%74ok…`), base64 or base64url (of the token alone or inside a longer string, at
 * any byte offset), or a mix. So error bodies are parsed first and every decoded string is redacted,
 * and each pattern matches each of the token's characters in any of those spellings.
 */

export const REDACTED = '[redacted]';
/** Shorter values are not treated as secrets (they would match ordinary text). */
const MIN_SECRET = 8;

/**
 * A function that replaces every spelling of the given secrets in a text. `mayHold` is a quick,
 * sound pre-check for large texts: false only when no spelling can be in the text (or in what
 * parsing it as JSON decodes); absent when it cannot tell (a secret outside the token alphabet).
 */
export type Redact = ((text: string) => string) & { mayHold?: (text: string) => boolean };

/** The characters of bearer tokens (JWTs, opaque tokens): the quick pre-check covers these. */
const TOKEN_ALPHABET = /^[A-Za-z0-9._~+/=-]+$/;

export function createRedactor(secrets: Iterable<string>): Redact {
  const kept = [...new Set(secrets)].filter((s) => s.length >= MIN_SECRET);
  const patterns = kept.flatMap(spellings).map(spelledAnyway);
  if (patterns.length === 0) return Object.assign((text: string) => text, { mayHold: () => false });
  // Longest first, so a base64 run is not cut short by a shorter alternative.
  patterns.sort((a, b) => b.length - a.length);
  const re = new RegExp(patterns.join('|'), 'gi');
  const redact = (text: string): string => text.replace(re, REDACTED);
  if (!kept.every((s) => TOKEN_ALPHABET.test(s))) return redact;
  const needles = kept.flatMap(spellings);
  const probe = new RegExp(re.source, 'i');
  return Object.assign(redact, {
    mayHold: (text: string) => {
      const plain = jsonDecoded(text);
      // Without % or \ every spelling is the plain token or a base64 core of it. With them, decoding
      // %XX greedily can swallow the token's own first characters ("%" then "00~A…"), so only the
      // patterns themselves can tell, and they run on the decoded text.
      if (!plain.includes('%') && !plain.includes('\\')) return needles.some((n) => plain.includes(n));
      return probe.test(plain);
    },
  });
}

/** The text with its JSON escapes decoded (what JSON.parse gives for the strings in it). */
function jsonDecoded(text: string): string {
  if (!text.includes('\\')) return text;
  return text.replace(/\\(?:u([0-9a-fA-F]{4})|(.))/gs, (_, hex?: string, ch?: string) => (hex !== undefined ? String.fromCharCode(parseInt(hex, 16)) : (JSON_UNESCAPE[ch ?? ''] ?? ch ?? '')));
}

const JSON_UNESCAPE: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/**
 * An error body as refplan may keep and print it: a JSON body is parsed, every string in it (keys
 * too) redacted, and written out again, so no escape sequence can smuggle the token past; any other
 * body is redacted as text.
 */
export function redactBody(text: string, redact: Redact): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return redact(text);
  }
  return JSON.stringify(redactDeep(parsed, redact));
}

/**
 * A successful body, which refplan parses and keeps: unchanged (the same text, at the cost of a
 * plain substring search) unless some spelling of a secret may be in it; then parsed and redacted
 * string by string, as an error body is.
 */
export function redactSuccessBody(text: string, redact: Redact): string {
  if (redact.mayHold !== undefined) return redact.mayHold(text) ? redactBody(text, redact) : text;
  return redactBody(text, redact);
}

/** Header values as refplan may keep them (an ETag becomes a referral's eTag in the plan). */
export function redactHeaders<H extends Record<string, string | string[] | undefined>>(headers: H, redact: Redact): H {
  let out: H | undefined;
  for (const [k, v] of Object.entries(headers)) {
    const clean = typeof v === 'string' ? redact(v) : Array.isArray(v) ? v.map(redact) : v;
    if (typeof v === 'string' ? clean === v : !Array.isArray(v) || (clean as string[]).every((c, i) => c === v[i])) continue;
    out ??= { ...headers };
    (out as Record<string, unknown>)[k] = clean;
  }
  return out ?? headers;
}

export function redactDeep(value: unknown, redact: Redact): unknown {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, redact));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[redact(k)] = redactDeep(v, redact);
    return out;
  }
  return value;
}

/** The secret itself, and the parts of its base64/base64url encodings fixed by its bytes alone. */
function spellings(secret: string): string[] {
  const bytes = Buffer.from(secret, 'utf8');
  const out = [secret];
  for (let offset = 0; offset < 3; offset++) {
    // With `offset` bytes before it, characters [start, end) of the encoding depend on the secret only.
    const b64 = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    const start = Math.ceil((8 * offset) / 6);
    const end = Math.floor((8 * (offset + bytes.length)) / 6);
    const core = b64.slice(start, end);
    if (core.length >= MIN_SECRET) out.push(core, core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return out;
}

/** JSON's two-character escapes (RFC 8259 §7). */
const JSON_SHORT_ESCAPES: Record<string, string> = { '"': '\\"', '\\': '\\\\', '/': '\\/', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** A pattern matching `literal` with each character spelled raw, %-encoded, \u-escaped or JSON-escaped. */
function spelledAnyway(literal: string): string {
  let pattern = '';
  for (const ch of literal) {
    const alternatives = [escapeRegExp(ch)];
    const utf8 = [...Buffer.from(ch, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
    alternatives.push(utf8);
    for (let i = 0; i < ch.length; i++) alternatives.push(`\\\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`);
    const short = JSON_SHORT_ESCAPES[ch];
    if (short !== undefined) alternatives.push(escapeRegExp(short));
    pattern += `(?:${alternatives.join('|')})`;
  }
  return pattern;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}
