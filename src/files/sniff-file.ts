import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import iconv from 'iconv-lite';
import { canonicalEncoding } from '../core/changeset/encodings.js';

/**
 * A first pass over an input file: its SHA-256 (recorded in the plan), the
 * encoding by the rule in libraries.md (BOM → UTF-8/UTF-16; else strict UTF-8;
 * else Windows-1252), and the first bytes for delimiter detection. It streams,
 * so a 1 GB CSV costs one read, not 1 GB of memory.
 */

export type Encoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252' | (string & {});

export interface FileSniff {
  sha256: string;
  bytes: number;
  encoding: Encoding;
  /** Why that encoding: shown in the `info` diagnostic. */
  reason: string;
  hasBom: boolean;
  /** Line of the first byte that is not UTF-8 (Windows-1252 files). */
  firstNonUtf8Line?: number;
  /** A NUL byte in a file without a UTF-16 BOM: not a text file (or UTF-16 without BOM). */
  nulByte: boolean;
  head: Buffer;
}

const HEAD_BYTES = 64 * 1024;

/** Offset of the first invalid UTF-8 sequence in `buf` (-1 when valid; a sequence cut at the end counts as valid). */
function firstInvalidUtf8(buf: Uint8Array): number {
  let i = 0;
  while (i < buf.length) {
    const b = buf[i] ?? 0;
    if (b < 0x80) {
      i++;
      continue;
    }
    const n = b >= 0xf0 && b <= 0xf4 ? 3 : b >= 0xe0 ? (b <= 0xef ? 2 : -1) : b >= 0xc2 && b <= 0xdf ? 1 : -1;
    if (n < 0) return i;
    for (let k = 1; k <= n; k++) {
      if (i + k >= buf.length) return -1;
      const c = buf[i + k] ?? 0;
      if ((c & 0xc0) !== 0x80) return i;
    }
    i += n + 1;
  }
  return -1;
}

function countNewlines(buf: Uint8Array, end: number): number {
  let n = 0;
  for (let i = 0; i < end; i++) if (buf[i] === 0x0a) n++;
  return n;
}

export async function sniffFile(path: string, forcedEncoding?: string): Promise<FileSniff> {
  const hash = createHash('sha256');
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let bytes = 0;
  let head = Buffer.alloc(0);
  let utf8 = true;
  let firstNonUtf8Line: number | undefined;
  let newlines = 0;
  let nul = false;
  for await (const chunk of createReadStream(path, { highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    if (head.length < HEAD_BYTES) head = Buffer.concat([head, chunk.subarray(0, HEAD_BYTES - head.length)]);
    if (!nul && chunk.includes(0)) nul = true;
    if (utf8) {
      try {
        decoder.decode(chunk, { stream: true });
      } catch {
        utf8 = false;
        const at = firstInvalidUtf8(chunk);
        firstNonUtf8Line = newlines + countNewlines(chunk, at < 0 ? chunk.length : at) + 1;
      }
      if (utf8) newlines += countNewlines(chunk, chunk.length);
    }
    bytes += chunk.length;
  }
  if (utf8) {
    try {
      decoder.decode();
    } catch {
      utf8 = false;
      firstNonUtf8Line = newlines + 1;
    }
  }
  const sha256 = hash.digest('hex');
  const b0 = head[0];
  const b1 = head[1];
  const b2 = head[2];
  const base = { sha256, bytes, head };
  if (forcedEncoding !== undefined) {
    const enc = canonicalEncoding(forcedEncoding) ?? forcedEncoding.toLowerCase();
    const hasBom = enc === 'utf-8' && b0 === 0xef && b1 === 0xbb && b2 === 0xbf;
    return { ...base, encoding: enc, reason: 'given by --encoding', hasBom, nulByte: false };
  }
  if (b0 === 0xef && b1 === 0xbb && b2 === 0xbf) return { ...base, encoding: 'utf-8', reason: 'UTF-8 byte order mark', hasBom: true, nulByte: nul };
  if (b0 === 0xff && b1 === 0xfe) return { ...base, encoding: 'utf-16le', reason: 'UTF-16 LE byte order mark', hasBom: true, nulByte: false };
  if (b0 === 0xfe && b1 === 0xff) return { ...base, encoding: 'utf-16be', reason: 'UTF-16 BE byte order mark', hasBom: true, nulByte: false };
  if (utf8) return { ...base, encoding: 'utf-8', reason: 'no byte order mark; every byte is valid UTF-8', hasBom: false, nulByte: nul };
  return {
    ...base,
    encoding: 'windows-1252',
    reason: `the bytes are not valid UTF-8 (first at line ${firstNonUtf8Line ?? 1}), as Excel writes "CSV" on Windows`,
    hasBom: false,
    firstNonUtf8Line: firstNonUtf8Line ?? 1,
    nulByte: nul,
  };
}

/** One of the encodings `--encoding` accepts (the list in core/changeset/encodings.ts). */
export function isKnownEncoding(name: string): boolean {
  return canonicalEncoding(name) !== undefined;
}

/** Decodes a whole (small) buffer; iconv-lite, because Node 20's TextDecoder loses € and “ ” in Windows-1252. */
export function decodeBuffer(buf: Buffer, encoding: Encoding): string {
  if (encoding === 'utf-8') return buf.toString('utf8').replace(/^\uFEFF/, '');
  return iconv.decode(buf, encoding);
}
