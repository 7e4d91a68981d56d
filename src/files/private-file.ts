import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { describeDiskError, DiskFullError, FileError } from '../core/errors.js';
import { ExitCode } from '../core/exit-codes.js';
import { errnoCode, isDiskFull, realFileLayer, writeAll, type FileLayer } from './file-layer.js';

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
export function writeFailure(path: string, what: string, e: unknown): FileError | DiskFullError {
  if (e instanceof DiskFullError || e instanceof FileError) return e;
  const code = errnoCode(e) ?? '';
  if (isDiskFull(e)) {
    const described = describeDiskError(code);
    return new DiskFullError(path, code, `cannot write ${what} ${path}: ${described.includes(code) ? described : `${described} (${code})`}`, {
      hint: code === 'EIO' ? 'Check that disk, then run the same command again.' : 'Free space on that disk (or write elsewhere), then run the same command again.',
      cause: e,
    });
  }
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
export async function writePrivateFileAtomic(path: string, data: FileContent, options: { what?: string; files?: FileLayer } = {}): Promise<void> {
  const files = options.files ?? realFileLayer;
  if (options.what === undefined) {
    writeAtomic(files, path, data);
  } else {
    try {
      writeAtomic(files, path, data);
    } catch (e) {
      throw writeFailure(path, options.what, e);
    }
  }
  await syncFolder(path);
}

/**
 * Temp file, every byte written (short writes continued), fsync, rename. On any failure the
 * temp file is removed, so a full disk leaves the old file as it was and no half-written one.
 */
function writeAtomic(files: FileLayer, path: string, data: FileContent): void {
  const temp = tempPathFor(path);
  const fd = files.openSync(temp, 'wx', PRIVATE_MODE);
  try {
    if (typeof data === 'string') writeAll(files, fd, Buffer.from(data));
    else if (data instanceof Uint8Array) writeAll(files, fd, data);
    else writeChunks(files, fd, data);
    files.fsyncSync(fd);
  } catch (e) {
    closeQuietly(files, fd);
    unlinkQuietly(files, temp);
    throw e;
  }
  files.closeSync(fd);
  try {
    files.renameSync(temp, path);
  } catch (e) {
    unlinkQuietly(files, temp);
    throw e;
  }
}

/** A file's content: whole, or as text pieces (a large plan, written without holding it all). */
export type FileContent = string | Uint8Array | Iterable<string>;

const CHUNK_BYTES = 1 << 20;

function writeChunks(files: FileLayer, fd: number, pieces: Iterable<string>): void {
  let pending = '';
  for (const piece of pieces) {
    pending += piece;
    if (pending.length >= CHUNK_BYTES) {
      writeAll(files, fd, Buffer.from(pending));
      pending = '';
    }
  }
  if (pending !== '') writeAll(files, fd, Buffer.from(pending));
}

function closeQuietly(files: FileLayer, fd: number): void {
  try {
    files.closeSync(fd);
  } catch {
    // already closed
  }
}

function unlinkQuietly(files: FileLayer, path: string): void {
  try {
    files.unlinkSync(path);
  } catch {
    // already gone
  }
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
export function writePrivateFileAtomicSync(path: string, data: FileContent, files: FileLayer = realFileLayer): void {
  writeAtomic(files, path, data);
  syncFolderSync(path);
}

/** Opens (creating 0600 if needed) a file for appending, e.g. a journal; a new file's folder entry is made durable. */
export function openPrivateAppend(path: string, files: FileLayer = realFileLayer): number {
  const fd = files.openSync(path, 'a', PRIVATE_MODE);
  syncFolderSync(path);
  return fd;
}
