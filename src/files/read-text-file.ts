import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

/**
 * Text files refplan reads back (plan files, rollback files, journals) in whatever encoding the
 * shell saved them: Windows PowerShell 5.1's `>` writes UTF-16 LE with a byte order mark, other
 * tools UTF-8 with one. The BOM decides; without one the text is UTF-8 (invalid bytes become
 * U+FFFD, so a binary file is reported as not JSON rather than failing here). Checksums are over
 * the parsed document, so a re-encoded file still verifies.
 */
export type TextEncoding = 'utf-8' | 'utf-8-bom' | 'utf-16le' | 'utf-16be';

export interface DecodedText {
  text: string;
  encoding: TextEncoding;
}

export function decodeText(bytes: Uint8Array): DecodedText {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { text: new TextDecoder('utf-8').decode(bytes.subarray(3)), encoding: 'utf-8-bom' };
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { text: new TextDecoder('utf-16le').decode(bytes.subarray(2)), encoding: 'utf-16le' };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    // Swap to little-endian: every Node build decodes UTF-16 LE, not every one BE.
    const body = Buffer.from(bytes.subarray(2, 2 + ((bytes.length - 2) & ~1)));
    body.swap16();
    return { text: new TextDecoder('utf-16le').decode(body), encoding: 'utf-16be' };
  }
  return { text: new TextDecoder('utf-8').decode(bytes), encoding: 'utf-8' };
}

export async function readTextFile(path: string): Promise<DecodedText> {
  return decodeText(await readFile(path));
}

export function readTextFileSync(path: string): DecodedText {
  return decodeText(readFileSync(path));
}
