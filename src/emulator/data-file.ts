import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { Referral } from '../core/referral.js';
import { newETag } from './store.js';

/**
 * Seed and data files: a JSON array of referrals. The emulator may import only
 * core and schema, so it keeps its own small atomic, 0600 writer here rather
 * than using src/files (same technique: temp file, fsync, rename).
 */
export class DataFileError extends Error {
  constructor(
    readonly file: string,
    message: string,
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

/** Writes the referrals atomically with mode 0600 (customer data). */
export function writeReferralsFile(file: string, referrals: readonly Referral[]): void {
  const temp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const fd = openSync(temp, 'wx', 0o600);
  try {
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
