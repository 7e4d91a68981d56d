import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';

describe('the built CLI under plain node', () => {
  it('prints help listing every workflow command and exits 0', async () => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    for (const command of ['validate', 'plan', 'show', 'export', 'apply', 'rollback', 'migrate', 'proxy', 'emulator', 'demo']) {
      expect(run.stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
    }
  });

  it('rejects an unknown command with exit code 1', async () => {
    const run = await runCli(['frobnicate']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/unknown command/);
  });
});
