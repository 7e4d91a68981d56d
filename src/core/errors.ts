import type { Diagnostic } from './diagnostics.js';
import { ExitCode, type ExitCodeValue } from './exit-codes.js';

/**
 * Operation failures. Callers act on the fields, not the message; the CLI maps
 * `exitCode` in one place. Messages never contain headers or tokens.
 */
export class RefplanError extends Error {
  readonly code: string;
  readonly exitCode: ExitCodeValue;
  readonly hint: string | undefined;

  constructor(code: string, message: string, options: { exitCode?: ExitCodeValue; hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = options.exitCode ?? ExitCode.error;
    this.hint = options.hint;
  }
}

/** Bad flags or arguments. */
export class UsageError extends RefplanError {
  constructor(message: string, hint?: string) {
    super('usage', message, { exitCode: ExitCode.error, ...(hint === undefined ? {} : { hint }) });
  }
}

/** Input that failed validation; nothing was sent to the server. */
export class InvalidInputError extends RefplanError {
  readonly diagnostics: readonly Diagnostic[];
  constructor(message: string, diagnostics: readonly Diagnostic[], hint?: string) {
    super('invalid-input', message, { exitCode: ExitCode.invalidInput, ...(hint === undefined ? {} : { hint }) });
    this.diagnostics = diagnostics;
  }
}

/** A plan (or journal) file that was edited, truncated, or has another format version. */
export class PlanIntegrityError extends RefplanError {
  constructor(message: string, hint?: string) {
    super('plan-integrity', message, { exitCode: ExitCode.invalidInput, ...(hint === undefined ? {} : { hint }) });
  }
}

/** A file that cannot be read or written. */
export class FileError extends RefplanError {
  readonly file: string;
  constructor(file: string, message: string, options: { hint?: string; cause?: unknown; exitCode?: ExitCodeValue } = {}) {
    super('file', message, { exitCode: options.exitCode ?? ExitCode.invalidInput, ...options });
    this.file = file;
  }
}

/**
 * A file refplan must write could not be written because the disk is full, over quota or
 * failing (`errno` ENOSPC, EDQUOT or EIO). Exit 6: free space, run the same command again.
 */
export class DiskFullError extends RefplanError {
  readonly file: string;
  readonly errno: string;
  constructor(file: string, errno: string, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super('disk-full', message, { exitCode: ExitCode.diskFull, ...options });
    this.file = file;
    this.errno = errno;
  }
}

/** What a disk error code means, for messages: "disk full", "disk quota exceeded", "disk error (EIO)". */
export function describeDiskError(errno: string): string {
  return errno === 'ENOSPC' ? 'disk full' : errno === 'EDQUOT' ? 'disk quota exceeded' : `disk error (${errno})`;
}

/** A bug in refplan, not a user mistake. */
export class InternalError extends RefplanError {
  constructor(message: string, cause?: unknown) {
    super('internal', message, {
      exitCode: ExitCode.error,
      hint: 'This is a bug in refplan. Please report it with the command you ran (run again with --debug for a stack trace).',
      cause,
    });
  }
}

/** True for RefplanError instances, also across module copies (checks the name chain, like ky's guards). */
export function isRefplanError(e: unknown): e is RefplanError {
  return e instanceof RefplanError || (typeof e === 'object' && e !== null && 'exitCode' in e && 'code' in e && e instanceof Error);
}
