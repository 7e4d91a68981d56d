import { constants } from 'node:fs';
import { basename } from 'node:path';
import { realFileLayer, type FileLayer } from '../../src/files/file-layer.js';

/** Which of refplan's files a path is (temp files of an atomic write count as their target). */
export type FileKind = 'journal' | 'rollback' | 'results' | 'plan' | 'other';

export function kindOf(path: string): FileKind {
  const name = basename(path);
  if (name.includes('.journal.jsonl')) return 'journal';
  if (name.includes('.rollback.json')) return 'rollback';
  if (name.includes('.results.csv')) return 'results';
  if (name.includes('.json')) return 'plan';
  return 'other';
}

export type Errno = 'ENOSPC' | 'EDQUOT' | 'EIO';

function errnoError(code: Errno, syscall: string, path: string): NodeJS.ErrnoException {
  const text = code === 'ENOSPC' ? 'no space left on device' : code === 'EDQUOT' ? 'disk quota exceeded' : 'i/o error';
  return Object.assign(new Error(`${code}: ${text}, ${syscall} '${path}'`), { code, errno: -1, syscall, path });
}

/**
 * A file layer over the real file system that behaves like a disk filling up, for the writes
 * refplan makes through it. `fillAt` picks the write that fills the disk (by kind and count):
 * that write is short (half of it lands, as the kernel does when the last blocks go), every
 * write after it fails with `errno` until `free()`. `fsyncErrno` makes fsyncs fail instead.
 * `maxChunk` caps every write (short writes without any error).
 */
export class FaultyFileLayer implements FileLayer {
  private readonly paths = new Map<number, string>();
  private full = false;
  private readonly writesByKind = new Map<FileKind, number>();
  /** Every write call, by kind, for the test to look at. */
  readonly log: { kind: FileKind; op: string; bytes: number; result: string }[] = [];
  truncateFails = false;

  constructor(
    private readonly options: {
      fillAt?: { kind: FileKind; write: number };
      errno?: Errno;
      fsyncErrno?: { kind: FileKind; errno: Errno };
      maxChunk?: number;
    } = {},
  ) {}

  /** Space is back, and the disk answers fsyncs again. */
  free(): void {
    this.full = false;
    this.fsyncHealed = true;
  }

  private fsyncHealed = false;

  get isFull(): boolean {
    return this.full;
  }

  openSync(path: string, flags: string | number, mode?: number): number {
    // A new file (O_EXCL, or 'wx'): the creation itself needs space.
    const creates = typeof flags === 'string' ? flags.includes('x') : (flags & constants.O_EXCL) !== 0;
    if (this.full && creates) throw errnoError(this.options.errno ?? 'ENOSPC', 'open', path);
    const fd = realFileLayer.openSync(path, flags, mode);
    this.paths.set(fd, path);
    return fd;
  }

  writeSync(fd: number, buffer: Uint8Array, offset: number, length: number): number {
    const path = this.paths.get(fd) ?? '?';
    const kind = kindOf(path);
    if (this.full) {
      this.log.push({ kind, op: 'write', bytes: length, result: 'error' });
      throw errnoError(this.options.errno ?? 'ENOSPC', 'write', path);
    }
    const n = (this.writesByKind.get(kind) ?? 0) + 1;
    this.writesByKind.set(kind, n);
    const fill = this.options.fillAt;
    if (fill !== undefined && fill.kind === kind && fill.write === n) {
      this.full = true;
      const half = Math.floor(length / 2);
      this.log.push({ kind, op: 'write', bytes: length, result: `short ${half}` });
      if (half === 0) throw errnoError(this.options.errno ?? 'ENOSPC', 'write', path);
      return realFileLayer.writeSync(fd, buffer, offset, half);
    }
    const chunk = Math.min(length, this.options.maxChunk ?? length);
    this.log.push({ kind, op: 'write', bytes: length, result: chunk < length ? `short ${chunk}` : 'ok' });
    return realFileLayer.writeSync(fd, buffer, offset, chunk);
  }

  private fsyncFault(fd: number): NodeJS.ErrnoException | undefined {
    const path = this.paths.get(fd) ?? '?';
    const f = this.options.fsyncErrno;
    if (f !== undefined && !this.fsyncHealed && f.kind === kindOf(path)) return errnoError(f.errno, 'fsync', path);
    return undefined;
  }

  fsyncSync(fd: number): void {
    const fault = this.fsyncFault(fd);
    if (fault !== undefined) throw fault;
    realFileLayer.fsyncSync(fd);
  }

  fdatasync(fd: number, callback: (err: NodeJS.ErrnoException | null) => void): void {
    const fault = this.fsyncFault(fd);
    if (fault !== undefined) {
      setImmediate(() => callback(fault));
      return;
    }
    realFileLayer.fdatasync(fd, callback);
  }

  ftruncateSync(fd: number, length: number): void {
    if (this.truncateFails) throw errnoError('EIO', 'ftruncate', this.paths.get(fd) ?? '?');
    realFileLayer.ftruncateSync(fd, length);
  }

  fstatSync(fd: number): { size: number } {
    return realFileLayer.fstatSync(fd);
  }

  closeSync(fd: number): void {
    this.paths.delete(fd);
    realFileLayer.closeSync(fd);
  }

  renameSync(from: string, to: string): void {
    realFileLayer.renameSync(from, to);
  }

  unlinkSync(path: string): void {
    realFileLayer.unlinkSync(path);
  }
}
