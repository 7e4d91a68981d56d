#!/usr/bin/env node
// `prepare` (npm install in a clone, npm pack, and the first `npx refplan` in a fresh clone, which
// installs the folder itself): compile TypeScript only when dist/ is missing or older than the
// sources, and say so first, instead of 13 s of silence. An installed tarball never runs this.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(import.meta.url), '../..');

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

/** Whether dist/ must be built again: no CLI yet, or a source (or the tsconfig) newer than it. */
export function needsBuild(root = ROOT) {
  const bin = join(root, 'dist', 'src', 'cli', 'bin.js');
  if (!existsSync(bin)) return true;
  const built = statSync(bin).mtimeMs;
  return ['src', 'bench', 'scripts'].some((d) => existsSync(join(root, d)) && newest(join(root, d)) > built) || statSync(join(root, 'tsconfig.json')).mtimeMs > built;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (!needsBuild()) process.exit(0);
  process.stderr.write('refplan: compiling TypeScript into dist/ (once per change of the sources, about 15 s)…\n');
  execFileSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.json')], { stdio: 'inherit' });
}
