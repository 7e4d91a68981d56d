// Checks every import in src/ against the layer table in style.md §2–3:
//   core ← schema ← files, api ← engine ← cli;   emulator → core, schema only;   src/index.ts → anything.
// This gives us the boundaries changesets gets from separate packages, without a monorepo.
// Imports are found with regular expressions (no parser dependency); the self-tests at the bottom
// pin down what the regexes must catch.
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

type Layer = 'core' | 'schema' | 'files' | 'api' | 'engine' | 'cli' | 'emulator' | 'index';

/** What each layer may import (besides npm packages and node: modules, which only core is denied). */
const ALLOWED: Record<Layer, readonly Layer[]> = {
  core: ['core'],
  schema: ['core', 'schema'],
  files: ['core', 'schema', 'files'],
  api: ['core', 'schema', 'api'],
  engine: ['core', 'schema', 'files', 'api', 'engine'],
  // cli hosts the emulator (`refplan emulator`, the demo), so it may start one; engine may not.
  cli: ['core', 'schema', 'files', 'api', 'engine', 'cli', 'emulator'],
  emulator: ['core', 'schema', 'emulator'],
  index: ['core', 'schema', 'files', 'api', 'engine', 'cli', 'emulator', 'index'],
};

const ROOT = resolve(import.meta.dirname, '..');
const SRC = join(ROOT, 'src');

/** Layer of a path relative to the repository root (posix separators), or undefined outside src/. */
function layerOf(repoPath: string): Layer | 'unknown' | undefined {
  if (!repoPath.startsWith('src/')) return undefined;
  if (repoPath === 'src/index.ts') return 'index';
  const top = repoPath.split('/')[1] ?? '';
  // The HTML report and the views are rendering, which belongs to cli.
  if (top === 'report') return 'cli';
  if (top in ALLOWED && top !== 'index') return top as Layer;
  return 'unknown';
}

interface ImportRef {
  specifier: string;
  /** `import type …` / `export type … from`: erased at compile time. */
  typeOnly: boolean;
}

// `import x, { y as z } from 'm'`, `import type { T } from 'm'`, `export * as ns from 'm'`,
// `export { a } from 'm'`, across lines. The clause may hold only names, braces, commas, `*` and
// whitespace, so a match cannot run on into the next statement.
const FROM_RE = /^[ \t]*(import|export)\s+(type\s+)?([\w$*{},\s]*?)\s*from\s*(['"])([^'"\n]+)\4/gm;
// `import 'm'` (side effect only)
const BARE_RE = /^[ \t]*import\s*(['"])([^'"\n]+)\1/gm;
// `import('m')` and `await import("m")`
const DYNAMIC_RE = /\bimport\s*\(\s*(['"])([^'"\n]+)\1\s*\)/g;

function findImports(source: string): ImportRef[] {
  const found: ImportRef[] = [];
  for (const m of source.matchAll(FROM_RE)) {
    found.push({ specifier: m[5] ?? '', typeOnly: m[2] !== undefined });
  }
  for (const m of source.matchAll(BARE_RE)) found.push({ specifier: m[2] ?? '', typeOnly: false });
  for (const m of source.matchAll(DYNAMIC_RE)) found.push({ specifier: m[2] ?? '', typeOnly: false });
  return found;
}

const BUILTINS = new Set(builtinModules);
function isNodeBuiltin(specifier: string): boolean {
  return specifier.startsWith('node:') || BUILTINS.has(specifier.split('/')[0] ?? '');
}

// Hidden clocks and randomness: core gets them passed in. Comment lines are skipped so a doc
// comment may still say "never call Date.now()".
const IMPURE_CALLS: { re: RegExp; name: string }[] = [
  { re: /\bDate\.now\s*\(/, name: 'Date.now()' },
  { re: /\bMath\.random\s*\(/, name: 'Math.random()' },
  { re: /\bnew\s+Date\s*(\(\s*\)|[;,)\]}]|$)/, name: 'new Date() without arguments' },
  { re: /\bperformance\.now\s*\(/, name: 'performance.now()' },
  { re: /\bcrypto\.(randomUUID|getRandomValues)\s*\(/, name: 'crypto randomness' },
  { re: /\bprocess\./, name: 'process (only cli touches process)' },
];

/** All rule violations of one source file, as `file: message` lines. */
function checkFile(repoPath: string, source: string): string[] {
  const violations: string[] = [];
  const layer = layerOf(repoPath);
  if (layer === undefined) return violations;
  if (layer === 'unknown') {
    violations.push(`${repoPath}: is in no layer (add its folder to the table in test/architecture.test.ts and style.md §2)`);
    return violations;
  }
  for (const { specifier, typeOnly } of findImports(source)) {
    if (specifier.startsWith('.')) {
      const target = relative(ROOT, resolve(ROOT, dirname(repoPath), specifier)).split(sep).join('/');
      const targetLayer = layerOf(target);
      if (target.startsWith('test/') || target === 'test') {
        violations.push(`${repoPath}: imports ${specifier} (src may not import test)`);
      } else if (targetLayer === undefined) {
        // Outside src/ (package.json, specs/…): only core is barred, because it must stay pure.
        if (layer === 'core') violations.push(`${repoPath}: imports ${specifier} (layer core may not import files outside src/core)`);
      } else if (targetLayer === 'unknown') {
        violations.push(`${repoPath}: imports ${specifier} (layer ${layer} may not import ${target}, which is in no layer)`);
      } else if (!ALLOWED[layer].includes(targetLayer)) {
        violations.push(`${repoPath}: imports ${specifier} (layer ${layer} may not import layer ${targetLayer})`);
      }
    } else if (layer === 'core' && !typeOnly) {
      // `import { type X } from 'm'` is not type-only: verbatimModuleSyntax keeps `import {} from 'm'`.
      const what = isNodeBuiltin(specifier) ? 'node modules' : 'npm packages';
      violations.push(`${repoPath}: imports ${specifier} (layer core may not import ${what}; only \`import type\` is allowed)`);
    }
  }
  if (layer === 'core') {
    source.split('\n').forEach((line, i) => {
      const code = line.trimStart();
      if (code.startsWith('//') || code.startsWith('*') || code.startsWith('/*')) return;
      for (const { re, name } of IMPURE_CALLS) {
        if (re.test(code)) violations.push(`${repoPath}:${i + 1}: calls ${name} (layer core is pure: pass a clock or random source in)`);
      }
    });
  }
  return violations;
}

function listSources(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return []; // a layer folder that does not exist yet
  }
  return entries.flatMap((e) => {
    const full = join(dir, e.name);
    if (e.isDirectory()) return listSources(full);
    return /\.(ts|mts|cts)$/.test(e.name) ? [full] : [];
  });
}

describe('architecture: src/ follows the layer table', () => {
  const files = listSources(SRC).map((f) => relative(ROOT, f).split(sep).join('/'));
  const sources = new Map(files.map((f) => [f, readFileSync(join(ROOT, f), 'utf8')]));

  it('scans the source tree (guards against a glob or regex that silently finds nothing)', () => {
    expect(files).toContain('src/index.ts');
    expect(files.some((f) => f.startsWith('src/core/'))).toBe(true);
    const relativeImports = [...sources.values()].flatMap((s) => findImports(s)).filter((i) => i.specifier.startsWith('.'));
    expect(relativeImports.length).toBeGreaterThan(files.length / 2);
  });

  it('every import respects the dependency direction, core stays pure, src never imports test', () => {
    const violations = [...sources].flatMap(([file, source]) => checkFile(file, source));
    for (const v of violations) console.error(v);
    expect(violations, `\n${violations.join('\n')}\n`).toEqual([]);
  });
});

describe('architecture checker (self-test)', () => {
  it('finds every import form, across lines, and tells type-only imports apart', () => {
    const src = [
      "import a, { b as c } from './a.js';",
      "import type { T } from 'node:fs';",
      'import {',
      '  x,',
      '  type Y,',
      "} from \"./multi.js\";",
      "import './side-effect.js';",
      "export * from './star.js';",
      "export * as ns from './ns.js';",
      "export type { Z } from './z.js';",
      "const m = await import('./lazy.js');",
      "const s = 'this is not an import from \\'./nope.js\\'';",
    ].join('\n');
    expect(findImports(src)).toEqual([
      { specifier: './a.js', typeOnly: false },
      { specifier: 'node:fs', typeOnly: true },
      { specifier: './multi.js', typeOnly: false },
      { specifier: './star.js', typeOnly: false },
      { specifier: './ns.js', typeOnly: false },
      { specifier: './z.js', typeOnly: true },
      { specifier: './side-effect.js', typeOnly: false },
      { specifier: './lazy.js', typeOnly: false },
    ]);
  });

  it('reports backward imports with both layers named', () => {
    expect(checkFile('src/core/x.ts', "import { f } from '../engine/plan.js';")).toEqual([
      'src/core/x.ts: imports ../engine/plan.js (layer core may not import layer engine)',
    ]);
    expect(checkFile('src/emulator/store.ts', "import { createClient } from '../api/client.js';")).toEqual([
      'src/emulator/store.ts: imports ../api/client.js (layer emulator may not import layer api)',
    ]);
    expect(checkFile('src/engine/apply.ts', "import { x } from '../cli/views/plan-view.js';")).toEqual([
      'src/engine/apply.ts: imports ../cli/views/plan-view.js (layer engine may not import layer cli)',
    ]);
    expect(checkFile('src/api/client.ts', "import { readPlan } from '../files/plan-file.js';")).toEqual([
      'src/api/client.ts: imports ../files/plan-file.js (layer api may not import layer files)',
    ]);
    expect(checkFile('src/engine/x.ts', "import { h } from '../report/html.js';")).toEqual([
      'src/engine/x.ts: imports ../report/html.js (layer engine may not import layer cli)',
    ]);
  });

  it('allows forward imports, index importing anything, and cli starting the emulator', () => {
    expect(checkFile('src/cli/commands/plan.ts', "import { planFiles } from '../../engine/plan.js';\nimport pc from 'picocolors';")).toEqual([]);
    expect(checkFile('src/index.ts', "export { runCli } from './cli/main.js';")).toEqual([]);
    expect(checkFile('src/cli/commands/emulator.ts', "import { startEmulator } from '../../emulator/index.js';")).toEqual([]);
    expect(checkFile('src/emulator/routes.ts', "import { judgeTransition } from '../core/transitions.js';\nimport { getValidator } from '../schema/ajv.js';")).toEqual([]);
  });

  it('keeps node: modules, npm packages and hidden clocks out of core, but allows import type', () => {
    expect(checkFile('src/core/a.ts', "import { readFileSync } from 'node:fs';")).toEqual([
      'src/core/a.ts: imports node:fs (layer core may not import node modules; only `import type` is allowed)',
    ]);
    expect(checkFile('src/core/b.ts', "import { type Operation } from 'fast-json-patch';")).toEqual([
      'src/core/b.ts: imports fast-json-patch (layer core may not import npm packages; only `import type` is allowed)',
    ]);
    expect(checkFile('src/core/c.ts', "import type { Operation } from 'fast-json-patch';")).toEqual([]);
    expect(checkFile('src/core/d.ts', 'const t = Date.now();\nconst d = new Date();\nconst ok = new Date(t);\n// Date.now() in a comment is fine\nconst r = Math.random();')).toEqual([
      'src/core/d.ts:1: calls Date.now() (layer core is pure: pass a clock or random source in)',
      'src/core/d.ts:2: calls new Date() without arguments (layer core is pure: pass a clock or random source in)',
      'src/core/d.ts:5: calls Math.random() (layer core is pure: pass a clock or random source in)',
    ]);
    expect(checkFile('src/files/e.ts', "import { readFileSync } from 'node:fs';\nconst t = Date.now();")).toEqual([]);
  });

  it('bars src from importing test, and files outside every layer', () => {
    expect(checkFile('src/files/x.ts', "import { tempTree } from '../../test/helpers/temp-dir.js';")).toEqual([
      'src/files/x.ts: imports ../../test/helpers/temp-dir.js (src may not import test)',
    ]);
    expect(checkFile('src/misc/x.ts', '')).toEqual([
      'src/misc/x.ts: is in no layer (add its folder to the table in test/architecture.test.ts and style.md §2)',
    ]);
  });
});
