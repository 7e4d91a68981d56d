import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Referral } from '../core/referral.js';
import { loadWritablePaths } from '../schema/specs.js';
import { contextPaths } from '../core/changeset/export-row-rules.js';
import { writePrivateFileAtomic } from './private-file.js';

/**
 * The sidecar `refplan export` writes next to its output
 * (`referrals.csv` → `referrals.csv.refplan-baseline.json`, mode 0600): the
 * exported referrals as they were, reduced to id, eTag and the writable paths
 * (team included, so team additions can be planned and undone), plus the SHA-256
 * of the file as exported. `plan` uses it instead of reading the API: a row's
 * cells are compared with these values, and the row's eTag is the pin, so an
 * edit made on the server after the export is caught by If-Match at apply.
 */
export const BASELINE_FORMAT = 'refplan.export-baseline/1';
export const BASELINE_SUFFIX = '.refplan-baseline.json';

export interface ExportBaseline {
  format: typeof BASELINE_FORMAT;
  exportedAt: string;
  /** The API the referrals came from; a plan against another API cannot use them. */
  baseUrl: string;
  /** SHA-256 (hex) of the exported file's bytes; equal means the file was not edited. */
  sha256: string;
  referrals: Referral[];
}

export function baselinePathFor(exportPath: string): string {
  return `${exportPath}${BASELINE_SUFFIX}`;
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function getPointer(doc: Record<string, unknown>, path: string): unknown {
  let node: unknown = doc;
  for (const part of path.split('/').slice(1)) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

function setPointer(doc: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('/').slice(1);
  let node = doc;
  for (const part of parts.slice(0, -1)) {
    const next = node[part];
    if (typeof next !== 'object' || next === null) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  const last = parts[parts.length - 1];
  if (last !== undefined) node[last] = value;
}

/**
 * The referral reduced to what a plan from the export needs: id, eTag, every
 * writable path, and the read-only context values the export showed (so an
 * edited context cell can be told from an unchanged one).
 */
export function reduceForBaseline(referral: Referral): Referral {
  const reduced: Referral = { id: referral.id };
  if (referral.eTag !== undefined) reduced.eTag = referral.eTag;
  const paths = [...loadWritablePaths().writable.map((w) => w.path), ...contextPaths()];
  for (const path of paths) {
    if (path.endsWith('/-')) continue;
    const value = getPointer(referral, path);
    if (value !== undefined) setPointer(reduced, path, structuredClone(value));
  }
  return reduced;
}

export async function writeExportBaseline(exportPath: string, baseline: ExportBaseline): Promise<string> {
  const path = baselinePathFor(exportPath);
  await writePrivateFileAtomic(path, JSON.stringify(baseline) + '\n', { what: 'export baseline' });
  return path;
}

export type BaselineRead =
  | { status: 'found'; baseline: ExportBaseline; fileSha256: string }
  | { status: 'missing' }
  | { status: 'unreadable'; reason: string };

/** Reads the sidecar of an input file; never throws for a missing or broken sidecar (planning falls back to reads). */
export async function readExportBaseline(inputPath: string): Promise<BaselineRead> {
  let text: string;
  let fileBytes: Buffer;
  try {
    text = await readFile(baselinePathFor(inputPath), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'missing' };
    return { status: 'unreadable', reason: (e as Error).message };
  }
  try {
    fileBytes = await readFile(inputPath);
  } catch (e) {
    return { status: 'unreadable', reason: (e as Error).message };
  }
  try {
    const parsed = JSON.parse(text) as Partial<ExportBaseline>;
    if (parsed.format !== BASELINE_FORMAT || !Array.isArray(parsed.referrals) || typeof parsed.baseUrl !== 'string') {
      return { status: 'unreadable', reason: `not a ${BASELINE_FORMAT} file` };
    }
    const valid = parsed.referrals.every((r) => typeof r === 'object' && r !== null && typeof r.id === 'string' && typeof r.eTag === 'string');
    if (!valid) return { status: 'unreadable', reason: 'a referral in it has no id or eTag' };
    return { status: 'found', baseline: parsed as ExportBaseline, fileSha256: sha256Hex(fileBytes) };
  } catch (e) {
    return { status: 'unreadable', reason: `invalid JSON (${(e as Error).message})` };
  }
}
