import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * The shell blocks of the docs and what a test does with each. Every ```sh / ```bash block carries a
 * marker on the line before its fence, so no command in the docs is silently left untried:
 *
 *   <!-- doc-test -->                    runs (the blocks of one file run in order, in one bash
 *                                        session and one folder, like a reader's terminal)
 *   <!-- doc-test: emulator -->          … with REFPLAN_BASE_URL/REFPLAN_TOKEN set to an emulator
 *   <!-- doc-test: exit 3 -->            … and its first failing command must exit 3
 *   <!-- doc-test: skip, REASON -->      not run, and the reason says why (a real tenant, PowerShell)
 *
 * A ```text block right after a block that runs (only blank lines between) is its expected
 * output: stdout and stderr as a terminal shows them. In it, `…` stands for any text within a line,
 * and a line holding only `…` for any number of lines.
 */
export interface DocBlock {
  file: string;
  /** 1-based line of the block's first code line. */
  line: number;
  code: string;
  run: boolean;
  emulator: boolean;
  exit: number;
  skip?: string;
  expected?: { line: number; text: string };
}

export interface DocScan {
  blocks: DocBlock[];
  /** Each one names the file and line and says how to fix it. */
  problems: string[];
}

const MARKER = /^\s*<!--\s*doc-test(?::\s*([^>]*?))?\s*-->\s*$/;
const FENCE = /^(\s*)```\s*([\w-]*)\s*$/;
const SHELL = new Set(['sh', 'bash', 'shell', 'console', 'zsh']);
/** Shells the test cannot run: their blocks still need a marker, a skip with its reason. */
const OTHER_SHELLS = new Set(['powershell', 'pwsh', 'ps1', 'cmd', 'bat']);
const isShell = (lang: string): boolean => SHELL.has(lang) || OTHER_SHELLS.has(lang);

function previousNonBlank(lines: string[], index: number): number {
  let k = index - 1;
  while (k >= 0 && (lines[k] ?? '').trim() === '') k--;
  return k;
}

function options(text: string | undefined, where: string, problems: string[]): Pick<DocBlock, 'emulator' | 'exit' | 'skip'> {
  const parts = (text ?? '').split(',').map((o) => o.trim()).filter(Boolean);
  if (parts[0] === 'skip') {
    const reason = parts.slice(1).join(', ');
    if (reason === '') problems.push(`${where}: "doc-test: skip" needs a reason, e.g. <!-- doc-test: skip, needs a Partner Center tenant -->`);
    return { emulator: false, exit: 0, skip: reason === '' ? '(no reason)' : reason };
  }
  let emulator = false;
  let exit = 0;
  for (const part of parts) {
    if (part === 'emulator') emulator = true;
    else if (/^exit \d+$/.test(part)) exit = Number(part.slice(5));
    else problems.push(`${where}: unknown doc-test option "${part}" (use emulator, exit N, or skip, REASON)`);
  }
  return { emulator, exit };
}

export function scanDoc(file: string, text: string): DocScan {
  const lines = text.split('\n');
  const blocks: DocBlock[] = [];
  const problems: string[] = [];
  let lastRun: DocBlock | undefined;
  let lastEnd = -1;
  // The generated command reference shows `$ refplan X --help` and its output, which
  // test/hardening/command-reference.test.ts compares with the live help.
  let generated = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.startsWith('<!-- command-reference:')) generated = line.includes(':start');
    const marker = MARKER.exec(line);
    if (marker !== null) {
      const next = FENCE.exec(lines[i + 1] ?? '');
      if (next === null || !isShell(next[2] ?? '')) problems.push(`${file}:${i + 1}: a doc-test marker must stand on the line right before a \`\`\`sh block`);
      continue;
    }
    const fence = FENCE.exec(line);
    if (fence === null) continue;
    const indent = fence[1] ?? '';
    const lang = fence[2] ?? '';
    const end = lines.findIndex((l, k) => k > i && new RegExp(`^${indent}\`\`\`\\s*$`).test(l));
    if (end < 0) {
      problems.push(`${file}:${i + 1}: the code block is never closed`);
      break;
    }
    const body = lines.slice(i + 1, end).map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l.trimStart()));
    const follows = lastRun !== undefined && lastEnd === previousNonBlank(lines, i);
    if (isShell(lang)) {
      const where = `${file}:${i + 1}`;
      const markerLine = MARKER.exec(lines[i - 1] ?? '');
      if (markerLine === null) {
        problems.push(`${where}: a \`\`\`${lang} block without a doc-test marker: put <!-- doc-test --> (or <!-- doc-test: skip, REASON -->) on the line before it`);
        lastRun = undefined;
      } else {
        const block: DocBlock = { file, line: i + 2, code: body.join('\n'), run: false, ...options(markerLine[1], where, problems) };
        block.run = block.skip === undefined;
        if (block.run && OTHER_SHELLS.has(lang)) problems.push(`${where}: a \`\`\`${lang} block cannot run in bash: mark it <!-- doc-test: skip, PowerShell --> (or the shell it is for)`);
        blocks.push(block);
        lastRun = block.run ? block : undefined;
      }
    } else if (lang === 'text' && follows && lastRun !== undefined) {
      lastRun.expected = { line: i + 2, text: body.join('\n') };
      lastRun = undefined;
    } else {
      if (!generated && /^\$ \S/.test(body[0] ?? '')) {
        problems.push(`${file}:${i + 2}: a command shown as "$ …" output is never run: put it in a \`\`\`sh block with a doc-test marker and its output in a \`\`\`text block right after`);
      }
      lastRun = undefined;
    }
    lastEnd = end;
    i = end;
  }
  return { blocks, problems };
}

/** Every markdown file a user reads: the README and docs/. */
export function markdownFiles(root: string): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true })
      .sort((a, b) => a.name.localeCompare(b.name))
      .flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.md') ? [join(dir, e.name)] : []));
  return [join(root, 'README.md'), ...walk(join(root, 'docs'))];
}

export function scanAllDocs(root: string): DocScan {
  const scans = markdownFiles(root).map((path) => scanDoc(relative(root, path), readFileSync(path, 'utf8')));
  return { blocks: scans.flatMap((s) => s.blocks), problems: scans.flatMap((s) => s.problems) };
}

/**
 * Does `actual` read as `expected`? `…` in a line stands for any text, a line of only `…` for any
 * lines. Trailing blank lines and trailing spaces do not count.
 */
export function outputMatches(expected: string, actual: string): boolean {
  const clean = (t: string): string[] => t.split('\n').map((l) => l.trimEnd()).join('\n').replace(/\n+$/, '').split('\n');
  const escape = (t: string): string => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const want = clean(expected).map((l) => (l.trim() === '…' ? undefined : new RegExp(`^${l.split('…').map(escape).join('.*?')}$`)));
  const got = clean(actual);
  // can[i][j]: want[i..] matches got[j..]; line by line, so a failing match costs want × got, not more.
  let next: boolean[] = got.map(() => false).concat(true);
  for (let i = want.length - 1; i >= 0; i--) {
    const line = want[i];
    const here: boolean[] = new Array<boolean>(got.length + 1).fill(false);
    for (let j = got.length; j >= 0; j--) {
      here[j] = line === undefined ? (next[j] ?? false) || (j < got.length && (here[j + 1] ?? false)) : j < got.length && line.test(got[j] ?? '') && (next[j + 1] ?? false);
    }
    next = here;
  }
  return next[0] ?? false;
}
