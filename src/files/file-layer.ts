import * as fs from 'node:fs';

/**
 * The few file calls refplan's own files (journal, rollback, results, plans) are written
 * through. The real file system is the default; tests pass a layer that fails the way a full
 * disk does (short writes, ENOSPC/EDQUOT/EIO at any write, fsync or rename), so every such
 * path is exercised without filling a real disk. Synchronous on purpose: a journal line must be
 * in the kernel before its request leaves, and a write is one step that cannot interleave.
 */
export interface FileLayer {
  openSync(path: string, flags: string | number, mode?: number): number;
  /** May write fewer bytes than asked (a short write); returns how many it wrote. */
  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number): number;
  fsyncSync(fd: number): void;
  /** Asynchronous so that a sync of the journal never blocks other workers. */
  fdatasync(fd: number, callback: (err: NodeJS.ErrnoException | null) => void): void;
  ftruncateSync(fd: number, length: number): void;
  fstatSync(fd: number): { size: number };
  closeSync(fd: number): void;
  renameSync(from: string, to: string): void;
  unlinkSync(path: string): void;
}

export const realFileLayer: FileLayer = {
  openSync: (path, flags, mode) => fs.openSync(path, flags, mode),
  writeSync: (fd, buffer, offset, length) => fs.writeSync(fd, buffer, offset, length),
  fsyncSync: (fd) => fs.fsyncSync(fd),
  fdatasync: (fd, callback) => fs.fdatasync(fd, callback),
  ftruncateSync: (fd, length) => fs.ftruncateSync(fd, length),
  fstatSync: (fd) => fs.fstatSync(fd),
  closeSync: (fd) => fs.closeSync(fd),
  renameSync: (from, to) => fs.renameSync(from, to),
  unlinkSync: (path) => fs.unlinkSync(path),
};

/**
 * Writes every byte of `data`, going on after a short write (the kernel may write part of a
 * buffer when the disk is nearly full). An error part-way leaves a partial write behind: the
 * caller removes or truncates it.
 */
export function writeAll(layer: FileLayer, fd: number, data: Uint8Array): void {
  let offset = 0;
  while (offset < data.length) {
    const written = layer.writeSync(fd, data, offset, data.length - offset);
    if (written <= 0) throw Object.assign(new Error('no space left on device (a write made no progress)'), { code: 'ENOSPC' });
    offset += written;
  }
}

/** Errors that mean "the disk cannot take more now" (full, over quota, failing): stop writing and tell the user to free space. */
export const DISK_FULL_CODES = ['ENOSPC', 'EDQUOT', 'EIO'] as const;

export function errnoCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : undefined;
}

export function isDiskFull(e: unknown): boolean {
  const code = errnoCode(e);
  return code !== undefined && (DISK_FULL_CODES as readonly string[]).includes(code);
}
