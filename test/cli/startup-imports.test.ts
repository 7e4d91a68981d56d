// `refplan --help` (and every command's start) loads only the command table: each command's
// register() declares flags and help, and its action imports the work (`<command>-action.ts`).
// This follows the static imports from bin.ts through the sources, so a heavy import that creeps
// back into a declaration (undici, ajv, yaml, csv-parse, iconv-lite, an engine…) fails here.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

// Static value imports only: `import type` and `export type` are erased, `import()` is lazy.
const STATIC_RE = /^[ \t]*(?:import|export)\s+(?!type\s)(?:[\w$*{},\s]*?\s*from\s*)?(['"])([^'"\n]+)\1/gm;

function staticImports(source: string): string[] {
  return [...source.matchAll(STATIC_RE)].map((m) => m[2] ?? '');
}

/** Every module bin.ts loads before any command runs: source files (repo paths) and npm packages. */
function loadedAtStartup(): { files: string[]; packages: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const queue = ['src/cli/bin.ts'];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    for (const specifier of staticImports(readFileSync(join(ROOT, file), 'utf8'))) {
      if (specifier.startsWith('node:')) continue;
      if (!specifier.startsWith('.')) {
        packages.add(specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!);
        continue;
      }
      const target = relative(ROOT, resolve(ROOT, dirname(file), specifier.replace(/\.js$/, '.ts'))).split(sep).join('/');
      if (!existsSync(join(ROOT, target))) throw new Error(`${file}: cannot find ${specifier}`);
      queue.push(target);
    }
  }
  return { files: [...files].sort(), packages: [...packages].sort() };
}

describe('CLI start-up', () => {
  it('finds imports of every form it must follow (self-test)', () => {
    const src = [
      "import { a } from './a.js';",
      "import type { T } from './t.js';",
      'import {\n  b,\n  type C,\n} from "./b.js";',
      "export { d } from './d.js';",
      "export type { E } from './e.js';",
      "import './side.js';",
      "const lazy = await import('./lazy.js');",
    ].join('\n');
    expect(staticImports(src)).toEqual(['./a.js', './b.js', './d.js', './side.js']);
  });

  it('loads the command table without engines, the API client, file readers or heavy packages', () => {
    const { files, packages } = loadedAtStartup();
    expect(files).toContain('src/cli/commands/index.ts');
    expect(files).toContain('src/cli/commands/plan.ts');
    expect(packages).toEqual(['commander']);
    const heavy = files.filter((f) => /^src\/(engine|files|emulator|schema)\//.test(f) || f === 'src/api/client.ts' || f === 'src/api/config.ts' || /-action\.ts$/.test(f) || f.startsWith('src/cli/views/plan-'));
    expect(heavy.filter((f) => f !== 'src/cli/views/plan-limit.ts')).toEqual([]);
  });

  it('declares every command in a file of its own and runs it from <command>-action.ts', () => {
    const index = readFileSync(join(ROOT, 'src/cli/commands/index.ts'), 'utf8');
    const commands = [...index.matchAll(/from '\.\/([a-z-]+)\.js'/g)].map((m) => m[1]!);
    expect(commands.length).toBeGreaterThanOrEqual(10);
    for (const name of commands) {
      const declaration = readFileSync(join(ROOT, `src/cli/commands/${name}.ts`), 'utf8');
      expect(declaration, `${name}.ts`).toContain(`await import('./${name}-action.js')`);
      expect(existsSync(join(ROOT, `src/cli/commands/${name}-action.ts`)), `${name}-action.ts`).toBe(true);
    }
  });
});
