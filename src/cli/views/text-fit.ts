import stringWidth from 'string-width';

/**
 * Fitting plain text into terminal columns. Widths are display columns
 * (string-width: a CJK character or an emoji takes two, a combining mark none),
 * so a Japanese company name does not overflow a line that counts characters.
 * Everything here works on text before colour is added.
 */

const ELLIPSIS = '…';
const segmenter = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** Columns the terminal view fits into: COLUMNS when set (as `ls` does), else the TTY's width, else 80. Never below 40. */
export function terminalWidth(stream: { isTTY?: boolean; columns?: number }, env: NodeJS.ProcessEnv): number {
  const fromEnv = Number(env['COLUMNS']);
  const width = Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : stream.isTTY === true && typeof stream.columns === 'number' && stream.columns > 0 ? stream.columns : 80;
  return Math.max(40, width);
}

export function widthOf(text: string): number {
  return stringWidth(text);
}

/** The text cut to at most `width` columns, ending in "…" when cut; whole graphemes only. */
export function truncate(text: string, width: number): string {
  if (widthOf(text) <= width) return text;
  if (width <= 0) return '';
  let out = '';
  let used = 0;
  for (const { segment } of segmenter.segment(text)) {
    const w = widthOf(segment);
    if (used + w > width - 1) break;
    out += segment;
    used += w;
  }
  return out + ELLIPSIS;
}

/** Pads with spaces to `width` columns (display width, unlike String#padEnd). */
export function padEnd(text: string, width: number): string {
  const gap = width - widthOf(text);
  return gap > 0 ? text + ' '.repeat(gap) : text;
}

export function padStart(text: string, width: number): string {
  const gap = width - widthOf(text);
  return gap > 0 ? ' '.repeat(gap) + text : text;
}

/**
 * Word-wraps `text` into lines of at most `width` columns; the first line starts
 * with `first`, later ones with `rest` (hanging indent). A word longer than a
 * line is broken, so no line ever overflows.
 */
export function wrap(text: string, width: number, first = '', rest = first): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  const room = () => width - widthOf(line);
  for (const word of text.split(/ +/).filter((w) => w !== '')) {
    const sep = empty ? '' : ' ';
    if (widthOf(sep + word) <= room()) {
      line += sep + word;
      empty = false;
      continue;
    }
    if (!empty) {
      lines.push(line);
      line = rest;
      empty = true;
    }
    let remaining = word;
    while (widthOf(remaining) > room()) {
      const [head, tail] = splitAt(remaining, room());
      if (head === '') break; // indent wider than the line: give up breaking, let it overflow once
      lines.push(line + head);
      line = rest;
      remaining = tail;
    }
    line += remaining;
    empty = false;
  }
  lines.push(line);
  return lines;
}

function splitAt(text: string, width: number): [string, string] {
  let head = '';
  let used = 0;
  let rest = '';
  let full = false;
  for (const { segment } of segmenter.segment(text)) {
    const w = widthOf(segment);
    if (full || used + w > width) {
      full = true;
      rest += segment;
    } else {
      head += segment;
      used += w;
    }
  }
  return [head, rest];
}
