/**
 * What the console can show, decided once from the environment and the stream: colour, Unicode
 * glyphs, width. Loaded at start-up, so it imports nothing.
 */

type Env = NodeJS.ProcessEnv;

function set(env: Env, name: string): boolean {
  const v = env[name];
  return v !== undefined && v !== '';
}

/**
 * Colour, in the order the conventions stack: `FORCE_COLOR=0` (what `--no-color` sets, see
 * runCli) turns it off; otherwise `FORCE_COLOR` turns it on even off a TTY
 * (Node's own rule: it wins over NO_COLOR); then NO_COLOR (no-color.org: any non-empty value)
 * and TERM=dumb turn it off; otherwise colour on a TTY only.
 */
export function colorEnabled(stream: { isTTY?: boolean }, env: Env): boolean {
  const force = env['FORCE_COLOR'];
  if (force !== undefined && force !== '') return force !== '0' && force.toLowerCase() !== 'false';
  if (set(env, 'NO_COLOR')) return false;
  if (env['TERM'] === 'dumb') return false;
  return stream.isTTY === true;
}

/**
 * Whether to print `· → ✓ ✗ ↺ …` as ASCII. REFPLAN_ASCII=1/0 decides when set; otherwise ASCII
 * on TERM=dumb, in a locale that is not UTF-8 (the first of LC_ALL, LC_CTYPE, LANG that is set,
 * C/POSIX included), and in the classic Windows console (not Windows Terminal or VS Code), whose
 * fonts and code pages garble them.
 */
export function asciiOnly(env: Env, platform: string = process.platform): boolean {
  const forced = env['REFPLAN_ASCII'];
  if (forced !== undefined && forced !== '') return forced !== '0' && forced.toLowerCase() !== 'false';
  if (env['TERM'] === 'dumb') return true;
  const locale = ['LC_ALL', 'LC_CTYPE', 'LANG'].map((n) => env[n]).find((v) => v !== undefined && v !== '');
  if (locale !== undefined && !/utf-?8/i.test(locale)) return true;
  if (platform === 'win32' && !set(env, 'WT_SESSION') && env['TERM_PROGRAM'] !== 'vscode') return true;
  return false;
}

/** The glyphs refplan prints, and what an ASCII console gets instead. */
const ASCII: Record<string, string> = {
  '·': '-',
  '→': '->',
  '←': '<-',
  '✓': 'ok',
  '✗': 'x',
  '↺': '<~',
  '…': '...',
  '—': '--',
  '–': '-',
  '─': '-',
  '≥': '>=',
  '≤': '<=',
  '×': 'x',
  '⚠': '!',
};
const GLYPHS = new RegExp(`[${Object.keys(ASCII).join('')}]`, 'g');

export function toAscii(text: string): string {
  return text.replace(GLYPHS, (g) => ASCII[g] ?? g);
}

/** Help wraps to the terminal (40–200 columns), and to 80 when it is not one (a pipe, a file, the generated reference). */
export function helpWidth(stream: { isTTY?: boolean; columns?: number }): number {
  if (stream.isTTY !== true || stream.columns === undefined || stream.columns <= 0) return 80;
  return Math.min(200, Math.max(40, stream.columns));
}
