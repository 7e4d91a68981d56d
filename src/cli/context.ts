import type { Readable, Writable } from 'node:stream';
import type { PassedFlags } from '../core/hint-flags.js';

/** The outside world a command may touch; injected so tests can run commands in-process. */
export interface CliIO {
  stdout: Writable & { isTTY?: boolean; columns?: number };
  stderr: Writable & { isTTY?: boolean; columns?: number };
  stdin: Readable & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export interface CliContext {
  io: CliIO;
  /** Set by a command's action: the process exit code. */
  exitCode: number;
  /** -q/--quiet: no progress and no notes on stderr (errors and results only). */
  quiet?: boolean;
  /** The flags on the command line, for hints that must not suggest them again (set before the action runs). */
  passedFlags?: PassedFlags;
}

export function processIO(): CliIO {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, cwd: process.cwd() };
}
