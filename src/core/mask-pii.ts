import type { JsonValue } from './referral.js';

/**
 * Masks customer contact details for display: e-mail addresses keep their first
 * character and domain (`j***@contoso.com`), phone numbers their last four
 * digits (`***-***-0001`). Views use it unless the user asks for `--show-pii`;
 * plan files themselves are never masked (apply needs the real values).
 */

const EMAIL = /[A-Za-z0-9._%+'-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
// A run of 9+ digits with the usual separators, in free text only (ids and dates elsewhere look similar).
const PHONE_IN_TEXT = /\+?\(?\d[\d\s().-]{7,}\d/g;
const EMAIL_KEY = /e-?mail/i;
const PHONE_KEY = /phone|mobile|fax/i;
/** Paths whose strings are free text a person typed, where a phone number may hide. */
const FREE_TEXT_PATHS = new Set(['/details/notes', '/statusReason', '/name', 'notes', 'statusReason']);

export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${email[0]}***${email.slice(at)}`;
}

export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  return digits.length < 4 ? '***' : `***-***-${digits.slice(-4)}`;
}

/** E-mail addresses inside any text; phone numbers too when `freeText` (notes, reasons). */
export function maskText(text: string, freeText = false): string {
  let out = text.replace(EMAIL, maskEmail);
  if (freeText) {
    out = out.replace(PHONE_IN_TEXT, (m) => (m.replace(/\D/g, '').length >= 9 ? maskPhone(m) : m));
  }
  return out;
}

/**
 * A masked copy of `value`. `path` is the JSON Pointer (or field name) the value
 * sits at, which tells free text from identifiers.
 */
export function maskPii(value: JsonValue, path = ''): JsonValue {
  return maskAt(value, path, undefined);
}

function maskAt(value: JsonValue, path: string, key: string | undefined): JsonValue {
  if (typeof value === 'string') {
    if (key !== undefined && EMAIL_KEY.test(key)) return value.includes('@') ? maskEmail(value) : maskText(value);
    if (key !== undefined && PHONE_KEY.test(key)) return maskPhone(value);
    return maskText(value, FREE_TEXT_PATHS.has(path));
  }
  if (Array.isArray(value)) return value.map((item, i) => maskAt(item, `${path}/${i}`, key));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, JsonValue> = {};
    for (const [k, v] of Object.entries(value)) out[k] = maskAt(v, `${path}/${k}`, k);
    return out;
  }
  return value;
}
