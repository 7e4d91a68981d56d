import { createHash } from 'node:crypto';
import { readFile, readdir, realpath, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { error, warning, type Diagnostic } from '../core/diagnostics.js';
import type { JsonValue } from '../core/referral.js';
import { parseTolerantJson } from '../core/tolerant-json.js';

/**
 * Reads legacy PUT bodies as people capture them: one JSON document per file, a
 * JSON array of bodies, or NDJSON, from files or folders (recursing into
 * *.json, *.ndjson, *.jsonl). Every body keeps the file, line and column where
 * it starts, for messages and for the `sources` of plan entries.
 */

export type JsonObject = { [key: string]: JsonValue };

export interface LegacyBody {
  body: JsonObject;
  source: { file: string; line: number; column: number };
}

export interface LegacyBodiesResult {
  bodies: LegacyBody[];
  /** Every file read, with the SHA-256 of its bytes (recorded in the plan's `inputs`). */
  inputs: { file: string; sha256: string }[];
  /** Warnings for tolerated irregularities; errors for anything that is not a body. */
  diagnostics: Diagnostic[];
}

export const LEGACY_BODY_EXTENSIONS = ['.json', '.ndjson', '.jsonl'];

export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export async function readLegacyBodies(paths: readonly string[]): Promise<LegacyBodiesResult> {
  const result: LegacyBodiesResult = { bodies: [], inputs: [], diagnostics: [] };
  const files: string[] = [];
  for (const path of paths) await collectFiles(path, true, files, new Set(), result.diagnostics);
  for (const file of files) await readOneFile(file, result);
  return result;
}

async function collectFiles(path: string, explicit: boolean, out: string[], seenDirs: Set<string>, diagnostics: Diagnostic[]): Promise<void> {
  let info;
  try {
    info = await stat(path);
  } catch (e) {
    diagnostics.push(
      error('file-not-found', `cannot read ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or folder' : String((e as Error).message)}`, {
        at: { file: path, line: 1, column: 1 },
        hint: 'check the path; pass files or folders of captured PUT bodies',
      }),
    );
    return;
  }
  if (info.isDirectory()) {
    // A symlinked folder can point back up the tree; visit each real folder once.
    const real = await realpath(path);
    if (seenDirs.has(real)) return;
    seenDirs.add(real);
    const entries = (await readdir(path, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const before = out.length;
    for (const entry of entries) {
      const child = join(path, entry.name);
      if (entry.isDirectory() || (entry.isSymbolicLink() && (await stat(child).catch(() => undefined))?.isDirectory() === true)) {
        await collectFiles(child, false, out, seenDirs, diagnostics);
      } else if (LEGACY_BODY_EXTENSIONS.includes(extname(entry.name).toLowerCase())) {
        out.push(child);
      }
    }
    if (explicit && out.length === before) {
      diagnostics.push(
        error('no-input-files', `folder ${path} holds no ${LEGACY_BODY_EXTENSIONS.join(', ')} files`, {
          at: { file: path, line: 1, column: 1 },
          hint: 'name the body files directly, or give them one of those extensions',
        }),
      );
    }
    return;
  }
  // A file named on the command line is read whatever its extension.
  out.push(path);
}

function decode(bytes: Buffer, file: string, diagnostics: Diagnostic[]): string | undefined {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    const le = bytes[0] === 0xff;
    diagnostics.push(warning('utf16', `the file is UTF-16 (${le ? 'LE' : 'BE'}, with BOM); it was decoded as such`, { at: { file, line: 1, column: 1 } }));
    const body = bytes.subarray(2);
    return le ? body.toString('utf16le') : Buffer.from(body).swap16().toString('utf16le');
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    diagnostics.push(
      error('not-utf8', 'the file is not valid UTF-8 text', {
        at: { file, line: 1, column: 1 },
        hint: 'save the captured bodies as UTF-8 (JSON is UTF-8 by definition)',
      }),
    );
    return undefined;
  }
}

async function readOneFile(file: string, result: LegacyBodiesResult): Promise<void> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    result.diagnostics.push(error('file-unreadable', `cannot read ${file}: ${(e as Error).message}`, { at: { file, line: 1, column: 1 } }));
    return;
  }
  result.inputs.push({ file, sha256: createHash('sha256').update(bytes).digest('hex') });
  const text = decode(bytes, file, result.diagnostics);
  if (text === undefined) return;
  const parsed = parseTolerantJson(text, file);
  result.diagnostics.push(...parsed.diagnostics);
  if (parsed.values.length === 0 && !parsed.diagnostics.some((d) => d.severity === 'error')) {
    result.diagnostics.push(
      error('empty-file', 'the file holds no JSON body', { at: { file, line: 1, column: 1 }, hint: 'remove the file or put a captured PUT body in it' }),
    );
    return;
  }
  for (const top of parsed.values) {
    if (Array.isArray(top.value)) {
      top.value.forEach((item, i) => {
        const at = top.items?.[i] ?? top;
        pushBody(item, { file, line: at.line, column: at.column }, result);
      });
    } else {
      pushBody(top.value, { file, line: top.line, column: top.column }, result);
    }
  }
}

function pushBody(value: JsonValue, source: LegacyBody['source'], result: LegacyBodiesResult): void {
  if (!isJsonObject(value)) {
    result.diagnostics.push(
      error('not-a-body', `expected a referral object here, found ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}`, {
        at: source,
        hint: 'each body is a JSON object: one per file, an array of objects, or one object per line',
      }),
    );
    return;
  }
  result.bodies.push({ body: value, source });
}
