import type { Diagnostic } from './diagnostics.js';

/**
 * A hint never suggests a flag that was already passed: "…, or apply with --rebase" after
 * `apply --rebase` sends the user in a circle. Every hint the CLI prints (errors, diagnostics'
 * fixes, the end of an apply, "… and N more") goes through `hintForPassedFlags` with the flags of
 * the command line, so the rule holds in one place instead of at each message.
 *
 * A hint is read as sentences of alternatives ("X, or Y", "X or Y", "X; otherwise Y", and
 * parenthesised asides). An alternative is dropped when it suggests a passed flag and brings
 * nothing new; what is left is rejoined. A flag is not "suggested" when the hint only names it
 * (`--skip-invalid skips invalid rows`), asks to check it (`Check --base-url`), to leave it out
 * (`without --baseline`), or gives it another value than the one passed (`--encoding utf-16le`
 * after `--encoding utf-8`, a placeholder such as `--port N`). A hint to raise or lower a passed
 * value keeps it and says what it is now (`raise --max-changes (now 3) to at least 12`).
 */

/** Long flag (`--rebase`) → its value as passed (`true` for a switch). */
export type PassedFlags = ReadonlyMap<string, string | true>;

type Verdict = 'redundant' | 'new' | 'neutral';

const FLAG = /--[a-z][a-z0-9-]*/g;
/** Words that follow a flag in a sentence without being its value. */
const NOT_A_VALUE = new Set(['to', 'if', 'for', 'or', 'and', 'with', 'instead', 'in', 'on', 'at', 'is', 'are', 'was', 'points', 'skips', 'writes', 'applies', 'so', 'then', '/', '-', '—', '(or', '(and']);
const SUGGESTING = /\b(pass|use|add|run|with|try|give|name|start|raise|lower|e\.g\.|for example|or)\b/i;
const ADJUSTING = /\b(raise|lower|higher|increase|reduce|narrow)\b/i;

export function hintForPassedFlags(hint: string, passed: PassedFlags): string | undefined {
  if (passed.size === 0 || !mentionsAny(hint, passed)) return hint;
  const sentences = hint.split(/(?<=[.!?])\s+(?=[A-Z])/).map((s) => sentenceForPassedFlags(s, passed)).filter((s) => s !== '');
  const text = sentences.join(' ').trim();
  return text === '' ? undefined : text;
}

function mentionsAny(text: string, passed: PassedFlags): boolean {
  return [...text.matchAll(FLAG)].some((m) => passed.has(m[0]));
}

function sentenceForPassedFlags(sentence: string, passed: PassedFlags): string {
  const withoutAsides = dropRedundantAsides(sentence, passed);
  const pieces = splitAlternatives(withoutAsides);
  const keep = pieces.map((p) => judgePiece(p.text, withoutAsides.slice(0, p.start), passed) !== 'redundant');
  if (keep.every(Boolean)) return annotateAdjusted(withoutAsides, passed);
  if (!keep.some(Boolean)) return '';
  const end = /[.!?]$/.test(withoutAsides.trimEnd()) ? withoutAsides.trimEnd().slice(-1) : '';
  const out: string[] = [];
  let verb = '';
  pieces.forEach((p, i) => {
    if (!keep[i]) {
      // "pass --x A or --x B": dropping the first alternative must not drop the verb of the second.
      if (out.length === 0) verb = /^([a-z]+) --/i.exec(p.text.trim())?.[1] ?? '';
      return;
    }
    let text = p.text.trim().replace(/[.!?]$/, '');
    if (out.length === 0 && verb !== '' && text.startsWith('--')) text = `${verb} ${text}`;
    out.push(out.length === 0 ? text : `${p.separator}${text}`);
  });
  let result = out.join('');
  if (/^[A-Z]/.test(withoutAsides.trim()) && /^[a-z]/.test(result)) result = result[0]!.toUpperCase() + result.slice(1);
  return annotateAdjusted(result + end, passed);
}

/** Parenthesised asides that suggest a passed flag, e.g. "(or pass --encoding utf-16le)", go first. */
function dropRedundantAsides(sentence: string, passed: PassedFlags): string {
  return sentence.replace(/\s*\(([^()]*)\)/g, (whole, inner: string, offset: number) => {
    if (!mentionsAny(inner, passed)) return whole;
    return judgePiece(inner, sentence.slice(0, offset), passed) === 'redundant' ? '' : whole;
  });
}

interface Piece {
  text: string;
  start: number;
  /** The separator before this piece (", or ", " or ", "; "). */
  separator: string;
}

/** Top-level alternatives: split on ", or ", "; " and " or ", never inside parentheses or quotes. */
function splitAlternatives(sentence: string): Piece[] {
  const pieces: Piece[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  let separator = '';
  for (let i = 0; i < sentence.length; i++) {
    const ch = sentence[i]!;
    if (quote !== undefined) {
      if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === '"' || ch === '`') quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')') depth = Math.max(0, depth - 1);
    if (depth > 0) continue;
    const sep = [', or ', '; ', ' or '].find((s) => sentence.startsWith(s, i));
    if (sep === undefined) continue;
    pieces.push({ text: sentence.slice(start, i), start, separator });
    separator = sep;
    start = i + sep.length;
    i += sep.length - 1;
  }
  pieces.push({ text: sentence.slice(start), start, separator });
  return pieces;
}

/** Redundant when the piece suggests a passed flag and nothing new; asides left in it count as new. */
function judgePiece(piece: string, before: string, passed: PassedFlags): Verdict {
  const masked = piece.replace(/\([^()]*\)/g, (m) => ' '.repeat(m.length));
  let redundant = false;
  for (const m of masked.matchAll(FLAG)) {
    const value = passed.get(m[0]);
    const context = before + masked.slice(0, m.index);
    const verdict = value === undefined ? (SUGGESTING.test(context) ? 'new' : 'neutral') : judgeMention(masked.slice(m.index + m[0].length), context, value);
    if (verdict === 'new') return 'new';
    if (verdict === 'redundant') redundant = true;
  }
  if (masked !== piece && /\([^()]*--[a-z]/.test(piece)) return 'new';
  return redundant ? 'redundant' : 'neutral';
}

function judgeMention(after: string, context: string, value: string | true): Verdict {
  if (/\bwithout\s*$/i.test(context) || /\bcheck\b/i.test(context)) return 'neutral';
  if (!SUGGESTING.test(context)) return 'neutral';
  const token = /^(?:=|\s+)("[^"]*"|'[^']*'|[^\s,;)]+)/.exec(after)?.[1]?.replace(/[.,;:]$/, '');
  const given = token !== undefined && !NOT_A_VALUE.has(token.toLowerCase()) ? token.replace(/^["']|["']$/g, '') : undefined;
  if (given !== undefined) {
    if (/^(<[^>]+>|[A-Z][A-Z0-9_]*)$/.test(given)) return 'new';
    return value !== true && given !== value ? 'new' : 'redundant';
  }
  if (ADJUSTING.test(context) && value !== true) return 'new';
  return 'redundant';
}

/** "raise --max-changes to at least 12" after `--max-changes 3`: say what it is now. */
function annotateAdjusted(text: string, passed: PassedFlags): string {
  return text.replace(FLAG, (flag, offset: number) => {
    const value = passed.get(flag);
    if (typeof value !== 'string' || !ADJUSTING.test(text.slice(0, offset))) return flag;
    const after = text.slice(offset + flag.length);
    if (/^\s*\(now /.test(after) || /^[= ][^\s(]/.test(after) && !/^ (to|or|and|if|for)\b/.test(after)) return flag;
    return `${flag} (now ${value})`;
  });
}

/** The diagnostic with its fix checked against the flags passed (dropped when nothing of it is left). */
export function diagnosticForPassedFlags(d: Diagnostic, passed: PassedFlags): Diagnostic {
  if (d.hint === undefined) return d;
  const hint = hintForPassedFlags(d.hint, passed);
  if (hint === d.hint) return d;
  const { hint: _, ...rest } = d;
  return hint === undefined ? rest : { ...rest, hint };
}
