import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

/**
 * A shell block in the docs that a test runs. The docs opt a block in with a comment on the line
 * before its fence, so examples that need a real tenant are never run by accident:
 *
 *   <!-- doc-test -->                 runs as written (it starts its own emulator)
 *   <!-- doc-test: emulator -->       runs with REFPLAN_BASE_URL/REFPLAN_TOKEN set to an emulator
 *   <!-- doc-test: emulator, exit 3 --> … and must exit 3
 */
export interface DocBlock {
  file: string;
  line: number;
  code: string;
  emulator: boolean;
  exit: number;
}

const MARKER = /^<!--\s*doc-test(?::\s*([^>]*?))?\s*-->\s*$/;

export function docBlocksIn(file: string, text: string): DocBlock[] {
  const lines = text.split('\n');
  const blocks: DocBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const marker = MARKER.exec(lines[i] ?? '');
    if (marker === null) continue;
    const fence = lines[i + 1] ?? '';
    if (!/^```(sh|bash)\s*$/.test(fence)) throw new Error(`${file}:${i + 1}: a doc-test marker must stand right before a \`\`\`sh block`);
    const end = lines.findIndex((l, k) => k > i + 1 && /^```\s*$/.test(l));
    if (end < 0) throw new Error(`${file}:${i + 2}: the code block is never closed`);
    const options = (marker[1] ?? '').split(',').map((o) => o.trim()).filter(Boolean);
    const exitOption = options.find((o) => o.startsWith('exit '));
    blocks.push({
      file,
      line: i + 3,
      code: lines.slice(i + 2, end).join('\n'),
      emulator: options.includes('emulator'),
      exit: exitOption === undefined ? 0 : Number(exitOption.slice(5)),
    });
    i = end;
  }
  return blocks;
}

/** Every markdown file a user reads: the README and docs/. */
export function markdownFiles(root: string): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.md') ? [join(dir, e.name)] : []));
  return [join(root, 'README.md'), ...walk(join(root, 'docs'))];
}

export function allDocBlocks(root: string): DocBlock[] {
  return markdownFiles(root).flatMap((path) => docBlocksIn(relative(root, path), readFileSync(path, 'utf8')));
}
