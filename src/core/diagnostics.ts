/**
 * Diagnostics are values, never exceptions: rules push them, callers decide.
 * Any error-severity diagnostic stops a run before a request is sent.
 */

/**
 * Where in an input a problem is: YAML/JSON files by line and column, CSV files by row and
 * column name; a workbook cell also by its Excel address (`cell: "Referrals!D17"`).
 */
export type SourceLocation =
  | { file: string; line: number; column: number }
  | { file: string; row: number; columnName?: string; cell?: string };

export type Severity = 'error' | 'warning' | 'info';

export interface Diagnostic {
  severity: Severity;
  /** Stable machine code, e.g. `unknown-column`, `forbidden-transition`. */
  code: string;
  message: string;
  /** How to fix it. */
  hint?: string;
  at?: SourceLocation;
  /** The offending text, quoted back to the user. */
  text?: string;
  referralId?: string;
}

export function error(code: string, message: string, extra: Partial<Diagnostic> = {}): Diagnostic {
  return { severity: 'error', code, message, ...extra };
}

export function warning(code: string, message: string, extra: Partial<Diagnostic> = {}): Diagnostic {
  return { severity: 'warning', code, message, ...extra };
}

export function info(code: string, message: string, extra: Partial<Diagnostic> = {}): Diagnostic {
  return { severity: 'info', code, message, ...extra };
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** `file:line:col`, `file: Sheet!D17` or `file: row N, column "x"`, the form every view prints. */
export function formatLocation(at: SourceLocation): string {
  if ('line' in at) return `${at.file}:${at.line}:${at.column}`;
  if (at.cell !== undefined) return `${at.file}: ${at.cell}`;
  return at.columnName === undefined
    ? `${at.file}: row ${at.row}`
    : `${at.file}: row ${at.row}, column "${at.columnName}"`;
}
