import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCommandReference, commandNames, extractCommandReference } from '../../scripts/update-command-reference.mjs';
import { repoRoot, runCli } from '../helpers/run-cli.js';

const FIX = 'docs/reference/commands.md is out of date: run node scripts/update-command-reference.mjs (npm run docs:commands)';

describe('the command reference in docs/reference/commands.md', () => {
  it('is exactly the live --help of refplan and of every command', async () => {
    const readme = readFileSync(join(repoRoot, 'docs', 'reference', 'commands.md'), 'utf8');
    const documented = extractCommandReference(readme);
    expect(documented, 'docs/reference/commands.md has no <!-- command-reference:start --> … end markers').toBeDefined();
    const live = await buildCommandReference(repoRoot);
    expect(documented, FIX).toBe(live);
    // Every command is in it, so a new command cannot be left out.
    const rootHelp = (await runCli(['--help'])).stdout;
    const names = commandNames(rootHelp);
    expect(names).toEqual(expect.arrayContaining(['validate', 'plan', 'show', 'export', 'apply', 'rollback', 'emulator', 'demo']));
    for (const name of names) expect(documented, `${name} is missing from the reference`).toContain(`$ refplan ${name} --help\n`);
  });

  it('does not depend on the terminal width', async () => {
    const narrow = await runCli(['plan', '--help'], { env: { COLUMNS: '40' } });
    const wide = await runCli(['plan', '--help'], { env: { COLUMNS: '250' } });
    expect(narrow.stdout).toBe(wide.stdout);
    expect(Math.max(...narrow.stdout.split('\n').map((l) => l.length))).toBeLessThanOrEqual(80);
  });
});

describe('--help', () => {
  it('describes every option and argument, and gives examples and exit codes for each command', async () => {
    const names = commandNames((await runCli(['--help'])).stdout).filter((n) => n !== 'migrate' && n !== 'proxy');
    const helps = await Promise.all(names.map((n) => runCli([n, '--help'])));
    names.forEach((name, i) => {
      const help = helps[i]!;
      expect(help.code, name).toBe(0);
      // An option or argument line without a description would end right after its name.
      const described = help.stdout.split('\n').filter((l) => /^ {2}(-|\w)/.test(l) && !l.startsWith('  $'));
      for (const line of described) expect(line.trim(), `${name}: "${line.trim()}" has no description`).toMatch(/\S\s{2,}\S/);
      expect(help.stdout, `${name} help has no examples`).toMatch(/\nExamples:\n {2}\$ refplan /);
      expect(help.stdout, `${name} help does not list its exit codes`).toMatch(/Exit codes: 0 /);
    });
  });
});
