import { randomBytes } from 'node:crypto';
import { closeSync, constants, fchmodSync, fstatSync, fsyncSync, openSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { describeDiskError, DiskFullError, FileError } from '../core/errors.js';
import { ExitCode } from '../core/exit-codes.js';
import { errnoCode, isDiskFull, realFileLayer, writeAll, type FileLayer } from './file-layer.js';

/**
 * Files that hold customer data: created mode 0600 and replaced atomically
 * (temp file in the same folder, fsync, rename), so a reader never sees half a
 * file and a crash leaves either the old or the new content.
 *
 * A symbolic link is never followed: temp files are created with O_EXCL|O_NOFOLLOW, files
 * appended to are opened with O_NOFOLLOW, and an existing target is checked through a
 * no-follow descriptor before anything is written: a link, a non-regular file, a file of
 * another user (or, for appends, one with a second hard link) is refused; a file of ours with
 * a wider mode than 0600 is narrowed to 0600 first. Without this, a link planted at
 * `PLAN.journal.jsonl` would make refplan write customer data outside the folder, or append
 * it to an existing world-readable file. These checks go to the real file system (they are
 * not data writes); the data itself goes through the FileLayer.
 */
export const PRIVATE_MODE = 0o600;

// Windows has no O_NOFOLLOW (and no symlinks a user can plant without privileges).
const NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const NONBLOCK = constants.O_NONBLOCK ?? 0;
const CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | NOFOLLOW;
const APPEND = constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | NOFOLLOW;
// O_NONBLOCK: probing a planted FIFO must not hang.
const PROBE = constants.O_RDONLY | NOFOLLOW | NONBLOCK;

/** The temp file an atomic write of `path` goes through: `.NAME.PID.HEX8.tmp` in the same folder. */
export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** The pid that wrote a temp file of `path` (tempPathFor's name), or undefined when `name` is not one. */
export function tempFileWriter(path: string, name: string): number | undefined {
  const prefix = `.${basename(path)}.`;
  if (!name.startsWith(prefix)) return undefined;
  const m = /^(\d+)\.[0-9a-f]{8}\.tmp$/.exec(name.slice(prefix.length));
  return m === null ? undefined : Number(m[1]);
}

function refuse(path: string, what: string, why: string, hint: string): FileError {
  return new FileError(path, `refusing to write ${what} ${path}: ${why}`, { exitCode: ExitCode.error, hint });
}

/**
 * Checks an opened file before anything is written to it: a regular file of ours (for an
 * append, with no other hard link); a wider mode is narrowed to 0600 through the descriptor.
 */
function securePrivateFd(fd: number, path: string, what: string, append: boolean): void {
  const st = fstatSync(fd);
  if (st.isDirectory()) {
    throw new FileError(path, `cannot write ${what} ${path}: it is a directory`, { exitCode: ExitCode.error, hint: 'Give a file name.' });
  }
  if (!st.isFile()) {
    throw refuse(path, what, 'it exists and is not a regular file', 'Move it away, or choose another path.');
  }
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) {
    throw refuse(path, what, `it belongs to another user (uid ${st.uid})`, 'It holds customer data and would stay readable by its owner: move it away, or choose another path.');
  }
  if (append && st.nlink > 1) {
    throw refuse(path, what, `it has ${st.nlink} hard links, so what is appended would also appear under another name`, 'Move it away (or remove the other links), or choose another path.');
  }
  if ((st.mode & 0o777) !== PRIVATE_MODE) fchmodSync(fd, PRIVATE_MODE);
}

function noFollowError(path: string, what: string, e: unknown): FileError | undefined {
  const code = (errnoCode(e) ?? '');
  // Linux answers ELOOP to O_NOFOLLOW on a link; some BSDs EMLINK or EFTYPE.
  if (code === 'ELOOP' || code === 'EMLINK' || code === 'EFTYPE') {
    return refuse(path, what, 'it is a symbolic link; refplan never writes through or over a link, since the file holds customer data', 'Remove the link and run again (or choose another path).');
  }
  return undefined;
}

/**
 * Checks an existing file that refplan is about to replace or append to (absent is fine):
 * throws a FileError for a link, a non-regular file or a file of another user; narrows a
 * wider mode to 0600. Callers run it for every file of a run before anything is sent.
 */
export function checkPrivateTarget(path: string, what = 'file', options: { append?: boolean } = {}): void {
  let fd: number;
  try {
    fd = openSync(path, PROBE);
  } catch (e) {
    const code = (errnoCode(e) ?? '');
    if (code === 'ENOENT' || code === 'ENOTDIR') return; // not there: nothing to check (a write then says why)
    throw noFollowError(path, what, e) ?? writeFailure(path, what, e);
  }
  try {
    securePrivateFd(fd, path, what, options.append === true);
  } finally {
    closeSync(fd);
  }
}

/** Creates a new file exclusively, mode exactly 0600 (whatever the umask), never through a link. */
export function openPrivateExclusiveSync(path: string): number {
  const fd = openSync(path, CREATE_NEW, PRIVATE_MODE);
  try {
    fchmodSync(fd, PRIVATE_MODE);
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  return fd;
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
    writeAtomic(files, path, data, 'file');
  } else {
    try {
      writeAtomic(files, path, data, options.what);
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
function writeAtomic(files: FileLayer, path: string, data: FileContent, what: string): void {
  checkPrivateTarget(path, what);
  const temp = tempPathFor(path);
  const fd = files.openSync(temp, CREATE_NEW, PRIVATE_MODE);
  try {
    fchmodSync(fd, PRIVATE_MODE); // exactly 0600, whatever the umask
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
export function writePrivateFileAtomicSync(path: string, data: FileContent, files: FileLayer = realFileLayer, what = 'file'): void {
  writeAtomic(files, path, data, what);
  syncFolderSync(path);
}

/**
 * Opens (creating 0600 if needed) a file for appending, e.g. a journal; a new file's folder entry
 * is made durable. Never through a link; an existing file is checked (and narrowed to 0600)
 * through the same descriptor before anything is appended.
 */
export function openPrivateAppend(path: string, files: FileLayer = realFileLayer, what = 'file'): number {
  let fd: number;
  try {
    fd = files.openSync(path, APPEND, PRIVATE_MODE);
  } catch (e) {
    throw noFollowError(path, what, e) ?? e;
  }
  try {
    securePrivateFd(fd, path, what, true);
  } catch (e) {
    closeQuietly(files, fd);
    throw e;
  }
  syncFolderSync(path);
  return fd;
}
