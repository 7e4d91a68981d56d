import { resolve } from 'node:path';
import { UsageError } from '../core/errors.js';
import { escapeControls } from '../core/terminal-text.js';

/**
 * `-o FILE` / `-o -` for plan, export and migrate, the one convention: each has a default file
 * in the current folder, and `-` means stdout (the document only; notes go to stderr).
 */
export type OutputTarget = { stdout: true } | { stdout: false; path: string; shown: string };

export function outputTarget(cwd: string, value: string | undefined, fallback: string): OutputTarget {
  const shown = value ?? fallback;
  if (shown === '-') return { stdout: true };
  // `shown` is for printing ("Plan written to …"): a name from the command line, control characters escaped.
  return { stdout: false, path: resolve(cwd, shown), shown: escapeControls(shown) };
}

/** `-o -` and `--json` both want stdout: refuse the pair rather than interleave two documents. */
export function refuseTwoStdoutDocuments(target: OutputTarget, json: boolean | undefined, command: string): void {
  if (target.stdout && json === true) {
    throw new UsageError(`${command}: -o - and --json both print to stdout`, `drop --json to get the ${command === 'export' ? 'exported file' : 'plan'} on stdout, or give -o a file name`);
  }
}
