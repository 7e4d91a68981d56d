import { formatLocation, type Diagnostic } from '../core/diagnostics.js';
import { InvalidInputError, isRefplanError } from '../core/errors.js';
import { diagnosticForPassedFlags, hintForPassedFlags, type PassedFlags } from '../core/hint-flags.js';
import { escapeControls, jsonForTerminal } from '../core/terminal-text.js';

const NONE: PassedFlags = new Map();

/** One paragraph a person can act on; a stack only with --debug. */
export function renderErrorHuman(e: unknown, debug: boolean, passed: PassedFlags = NONE): string {
  const lines: string[] = [];
  if (isRefplanError(e)) {
    lines.push(`refplan: ${escapeControls(e.message)}`);
    if (e instanceof InvalidInputError) for (const d of e.diagnostics) lines.push(renderDiagnostic(d, passed));
    const hint = e.hint === undefined ? undefined : hintForPassedFlags(e.hint, passed);
    if (hint !== undefined) lines.push(`  hint: ${escapeControls(hint)}`);
  } else {
    const message = e instanceof Error ? e.message : String(e);
    lines.push(`refplan: unexpected error: ${escapeControls(message)}`);
    const hint = hintForPassedFlags('this is probably a bug in refplan: report it (run again with --debug for a stack trace).', passed);
    if (hint !== undefined) lines.push(`  hint: ${hint}`);
  }
  if (debug && e instanceof Error && e.stack !== undefined) lines.push(escapeControls(e.stack, { multiline: true }));
  return lines.join('\n') + '\n';
}

export function renderDiagnostic(d: Diagnostic, passed: PassedFlags = NONE): string {
  // Every part can hold text from an input file or the API (file names, values, messages).
  const where = d.at === undefined ? '' : `${escapeControls(formatLocation(d.at))}: `;
  const text = d.text === undefined ? '' : ` (found ${escapeControls(JSON.stringify(d.text))})`;
  const fix = d.hint === undefined ? undefined : hintForPassedFlags(d.hint, passed);
  const hint = fix === undefined ? '' : `\n    fix: ${escapeControls(fix)}`;
  return `  ${where}${d.severity}: ${escapeControls(d.message)}${text}${hint}`;
}

export function renderErrorJson(e: unknown, passed: PassedFlags = NONE): string {
  if (isRefplanError(e)) {
    const meta = e instanceof InvalidInputError ? { diagnostics: e.diagnostics.map((d) => diagnosticForPassedFlags(d, passed)) } : {};
    const hint = e.hint === undefined ? undefined : hintForPassedFlags(e.hint, passed);
    return jsonForTerminal({ error: { code: e.code, message: e.message, hint: hint ?? null, exitCode: e.exitCode, meta } }) + '\n';
  }
  const message = e instanceof Error ? e.message : String(e);
  return jsonForTerminal({ error: { code: 'internal', message, hint: null, exitCode: 1, meta: {} } }) + '\n';
}

