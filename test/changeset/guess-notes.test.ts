import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { tempTree } from '../helpers/temp-dir.js';
import { emulatorForSuite } from '../helpers/emulator-suite.js';

/** Encoding and delimiter notes are printed only when they were guesses (built CLI). */
const suite = emulatorForSuite({ generate: 12, randomSeed: 8 }, 'notes-token');

const csv = 'id,notes\r\nabc,hello\r\n';

describe('encoding and delimiter notes', () => {
  it('are printed for a file without a byte order mark whose delimiter was detected', async () => {
    const dir = tempTree({ 'c.csv': csv });
    const run = await runCli(['validate', 'c.csv'], { cwd: dir });
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toContain('note: encoding: utf-8');
    expect(run.stdout).toContain('note: delimiter: comma');
  });

  it('leave out the encoding of a file with a byte order mark', async () => {
    const dir = tempTree({ 'c.csv': `\ufeff${csv}` });
    const run = await runCli(['validate', 'c.csv'], { cwd: dir });
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).not.toContain('note: encoding');
    expect(run.stdout).toContain('note: delimiter: comma');
  });

  it('are not printed for what --encoding and --delimiter state', async () => {
    const dir = tempTree({ 'c.csv': csv });
    const run = await runCli(['validate', 'c.csv', '--encoding', 'utf-8', '--delimiter', ','], { cwd: dir });
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).not.toMatch(/note: (encoding|delimiter)/);
  });

  it("are not printed for refplan's own export (CSV with ';' and YAML)", async () => {
    const dir = tempTree();
    expect((await runCli(['export', '-o', 'x.csv', '--delimiter', ';'], { cwd: dir, env: suite.env })).code).toBe(0);
    expect((await runCli(['export', '-o', 'x.yaml'], { cwd: dir, env: suite.env })).code).toBe(0);
    for (const file of ['x.csv', 'x.yaml']) {
      const run = await runCli(['validate', file], { cwd: dir });
      expect(run.code, run.stdout).toBe(0);
      expect(run.stdout).not.toMatch(/note: (encoding|delimiter)/);
    }
  });

  it('are not printed with -q, by validate or plan; errors still are', async () => {
    const dir = tempTree({ 'c.csv': csv, 'bad.csv': 'id,dealValue\r\nabc,lots\r\n' });
    const validate = await runCli(['validate', 'c.csv', '-q'], { cwd: dir });
    expect(validate.code, validate.stdout).toBe(0);
    expect(validate.stdout).not.toContain('note:');
    expect(validate.stdout).toContain('valid');
    const bad = await runCli(['plan', 'bad.csv', '--quiet', '-o', 'p.json'], { cwd: dir, env: suite.env });
    expect(bad.code).toBe(3);
    expect(bad.stderr).not.toContain('note:');
    expect(bad.stderr).toContain('error:');
  });
});
