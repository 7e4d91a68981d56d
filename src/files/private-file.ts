import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { FileError } from '../core/errors.js';
import { ExitCode } from '../core/exit-codes.js';

/**
 * Files that hold customer data: created mode 0600 and replaced atomically
 * (temp file in the same folder, fsync, rename), so a reader never sees half a
 * file and a crash leaves either the old or the new content.
 */
export const PRIVATE_MODE = 0o600;

function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/**
 * A failed write as a FileError a person can act on ("cannot write export file x.csv: its
 * folder does not exist"), exit 1: the input was fine, the output place is not.
 */
export function writeFailure(path: string, what: string, e: unknown): FileError {
  const code = typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : '';
  const why =
    code === 'ENOENT' ? `its folder ${dirname(path)} does not exist`
    : code === 'EACCES' || code === 'EPERM' ? 'permission denied'
    : code === 'EISDIR' ? 'it is a directory'
    : code === 'ENOSPC' ? 'the disk is full'
    : code === 'ENOTDIR' ? 'a part of its path is a file, not a folder'
    : e instanceof Error ? e.message : String(e);
  return new FileError(path, `cannot write ${what} ${path}: ${why}`, { exitCode: ExitCode.error, cause: e });
}

/**
 * Writes `data` atomically with mode 0600. With `what` (e.g. "export file"), a failure is
 * a FileError naming the file and why, instead of a bare errno error.
 */
export async function writePrivateFileAtomic(path: string, data: string | Uint8Array, options: { what?: string } = {}): Promise<void> {
  if (options.what === undefined) return writeAtomic(path, data);
  try {
    await writeAtomic(path, data);
  } catch (e) {
    throw writeFailure(path, options.what, e);
  }
}

async function writeAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const temp = tempPathFor(path);
  const handle = await open(temp, 'wx', PRIVATE_MODE);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (e) {
    await handle.close();
    await unlink(temp).catch(() => undefined);
    throw e;
  }
  await handle.close();
  try {
    await rename(temp, path);
  } catch (e) {
    await unlink(temp).catch(() => undefined);
    throw e;
  }
  await syncFolder(path);
}

/**
 * A rename (or a new file) is durable only once its folder is: without this, a
 * power loss right after a rollback-file rewrite could bring back the old one.
 * Best effort: some file systems refuse to fsync a directory.
 */
async function syncFolder(path: string): Promise<void> {
  try {
    const dir = await open(dirname(path), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  } catch {
    // not supported here; the file itself is synced
  }
}

export function syncFolderSync(path: string): void {
  try {
    const fd = openSync(dirname(path), 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // not supported here; the file itself is synced
  }
}

/** Synchronous twin, for paths that must finish before the process may die (exit handlers, journals). */
export function writePrivateFileAtomicSync(path: string, data: string | Uint8Array): void {
  const temp = tempPathFor(path);
  const fd = openSync(temp, 'wx', PRIVATE_MODE);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
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
  renameSync(temp, path);
  syncFolderSync(path);
}

/** Opens (creating 0600 if needed) a file for appending, e.g. a journal; a new file's folder entry is made durable. */
export function openPrivateAppend(path: string): number {
  const fd = openSync(path, 'a', PRIVATE_MODE);
  syncFolderSync(path);
  return fd;
}
