// The first `npx refplan` in a fresh clone installs the folder, which runs `prepare`: it compiles
// only when dist/ is missing or stale, and says so before the ~15 s of tsc.
import { utimesSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { needsBuild } from '../../scripts/prepare.mjs';
import { tempTree } from '../helpers/temp-dir.js';

describe('scripts/prepare.mjs', () => {
  it('builds when dist/ is missing or older than a source, not when it is up to date', () => {
    const root = tempTree({ 'tsconfig.json': '{}', 'src/a.ts': 'export {}', 'scripts/x.mjs': '' });
    expect(needsBuild(root)).toBe(true);
    const dir = tempTree({ 'tsconfig.json': '{}', 'src/a.ts': 'export {}', 'dist/src/cli/bin.js': '' });
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(dir, 'src', 'a.ts'), old, old);
    utimesSync(join(dir, 'tsconfig.json'), old, old);
    expect(needsBuild(dir)).toBe(false);
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(dir, 'src', 'a.ts'), later, later);
    expect(needsBuild(dir)).toBe(true);
  });

  it('is what package.json runs as prepare', async () => {
    const pkg = (await import('../../package.json', { with: { type: 'json' } })).default as { scripts: Record<string, string> };
    expect(pkg.scripts['prepare']).toBe('node scripts/prepare.mjs');
  });
});
