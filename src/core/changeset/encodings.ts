import { UsageError } from '../errors.js';

/**
 * The encodings a change set may be read in (`--encoding`), as libraries.md's rule detects them:
 * a BOM says UTF-8 or UTF-16; otherwise strict UTF-8; otherwise Windows-1252 (Excel's "CSV").
 * A short, documented list rather than every name iconv-lite knows, so a typo is an error
 * that can list the choices.
 */
export const SUPPORTED_ENCODINGS = ['utf-8', 'utf-16le', 'utf-16be', 'windows-1252'] as const;

export type SupportedEncoding = (typeof SUPPORTED_ENCODINGS)[number];

/** Spellings people type for the same encodings. */
const ALIASES: Record<string, SupportedEncoding> = {
  utf8: 'utf-8',
  utf16le: 'utf-16le',
  'utf-16-le': 'utf-16le',
  utf16be: 'utf-16be',
  'utf-16-be': 'utf-16be',
  cp1252: 'windows-1252',
  win1252: 'windows-1252',
  'windows1252': 'windows-1252',
};

/** The canonical name of a supported encoding (case-insensitive, aliases allowed), or undefined. */
export function canonicalEncoding(name: string): SupportedEncoding | undefined {
  const key = name.trim().toLowerCase();
  return (SUPPORTED_ENCODINGS as readonly string[]).includes(key) ? (key as SupportedEncoding) : ALIASES[key];
}

/** `--encoding VALUE` → the canonical name, or a usage error naming the flag and the choices. */
export function parseEncodingFlag(value: string): SupportedEncoding {
  const encoding = canonicalEncoding(value);
  if (encoding === undefined) {
    throw new UsageError(
      `--encoding ${JSON.stringify(value)} is not a supported encoding; use one of ${SUPPORTED_ENCODINGS.join(', ')}`,
      'leave --encoding out to detect it (byte order mark, else UTF-8, else windows-1252); a Latin-1 (ISO-8859-1) file reads fine as windows-1252',
    );
  }
  return encoding;
}
