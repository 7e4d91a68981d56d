import { randomBytes } from 'node:crypto';
import { closeSync, constants, existsSync, fchmodSync, fstatSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Referral } from '../core/referral.js';
import { newETag } from './store.js';

/**
 * Seed and data files: a JSON array of referrals. The emulator may import only
 * core and schema, so it keeps its own small atomic, 0600 writer here rather
 * than using src/files (same technique: temp file, fsync, rename; never through a link:
 * see checkDataFile).
 */
export class DataFileError extends Error {
  constructor(
    readonly file: string,
    message: string,
    /** How to fix it, when the problem is the file's place rather than its content. */
    readonly hint?: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'DataFileError';
  }
}

/** Reads a JSON array of referrals; each needs a string id. Missing eTags and timestamps are filled in. */
export function readReferralsFile(file: string, now: Date = new Date()): Referral[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  } catch (e) {
    throw new DataFileError(file, `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new DataFileError(file, `is not valid JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(value)) throw new DataFileError(file, 'must hold a JSON array of referrals');
  const seen = new Set<string>();
  return value.map((item, index) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) throw new DataFileError(file, `item ${index} is not an object`);
    const r = item as Referral;
    if (typeof r.id !== 'string' || r.id === '') throw new DataFileError(file, `item ${index} has no string "id"`);
    if (seen.has(r.id)) throw new DataFileError(file, `item ${index} repeats id ${r.id}`);
    seen.add(r.id);
    r.eTag ??= newETag();
    r.createdDateTime ??= now.toISOString();
    r.updatedDateTime ??= r.createdDateTime;
    return r;
  });
}

export function dataFileExists(file: string): boolean {
  return existsSync(file);
}

const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const PLACE_HINT = 'Remove it (or move it away), or give --data another path.';

/**
 * A `--data` file is read at start and replaced on exit; it holds customer-like data. A link
 * planted at its path is refused (never followed, never replaced), as is a non-regular file or
 * one of another user; a file of ours with a wider mode is narrowed to 0600. Checked at start,
 * so the emulator refuses to run rather than losing its data on exit, and again before saving.
 */
export function checkDataFile(file: string): void {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | NOFOLLOW | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code === 'ELOOP' || code === 'EMLINK') throw new DataFileError(file, 'is a symbolic link; the emulator never reads or writes its data through a link', PLACE_HINT);
    throw new DataFileError(file, `cannot be opened (${code ?? (e as Error).message})`, PLACE_HINT);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new DataFileError(file, 'exists and is not a regular file', PLACE_HINT);
    const uid = process.getuid?.();
    if (uid !== undefined && st.uid !== uid) throw new DataFileError(file, `belongs to another user (uid ${st.uid})`, PLACE_HINT);
    if ((st.mode & 0o777) !== 0o600) fchmodSync(fd, 0o600);
  } finally {
    closeSync(fd);
  }
}

/** Writes the referrals atomically with mode 0600 (customer data). */
export function writeReferralsFile(file: string, referrals: readonly Referral[]): void {
  checkDataFile(file);
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW, 0o600);
  try {
    fchmodSync(fd, 0o600);
    writeSync(fd, Buffer.from(`${JSON.stringify(referrals, null, 1)}\n`));
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    try {
      unlinkSync(temp);
    } catch {
      // already gone
    }
    throw e;
  }
  closeSync(fd);
  renameSync(temp, file);
}
