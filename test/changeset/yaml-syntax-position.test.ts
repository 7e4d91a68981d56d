import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { tempTree } from '../helpers/temp-dir.js';

/** A YAML syntax error points where the problem starts (built CLI). */
describe('YAML syntax error positions', () => {
  it('reports an unclosed flow map at the line and column of its {, not at the end of the file', async () => {
    const dir = tempTree({ 'c.yaml': 'changes:\n  - id: abc\n    set: { dealValue: 5\n' });
    const run = await runCli(['validate', 'c.yaml'], { cwd: dir });
    expect(run.code).toBe(3);
    expect(run.stdout).toContain('c.yaml:3:10: error: YAML syntax: the { opened here is never closed');
    expect(run.stdout).not.toMatch(/c\.yaml:4:1: error/);
  });

  it('reports only the unclosed bracket, not the errors the parser meets after it', async () => {
    const dir = tempTree({ 'c.yaml': 'changes:\n  - id: abc\n    set: { dealValue: 5\n  - id: def\n    set:\n      notes: hi\n' });
    const run = await runCli(['validate', 'c.yaml'], { cwd: dir });
    expect(run.code).toBe(3);
    expect(run.stdout).toContain('c.yaml:3:10: error: YAML syntax: the { opened here is never closed');
    expect(run.stdout.match(/error:/g)).toHaveLength(1);
    expect(run.stdout).toContain('✗ 1 error, 0 warnings in 1 file, 0 rows.');
  });

  it('reports an unclosed flow sequence at its [', async () => {
    const dir = tempTree({ 'c.yaml': 'changes:\n  - id: abc\n    set: { dealValue: 5 }\n  - where: [status=Active\n    set: { notes: x }\n' });
    const run = await runCli(['validate', 'c.yaml'], { cwd: dir });
    expect(run.code).toBe(3);
    expect(run.stdout).toMatch(/c\.yaml:4:12: error: YAML syntax: the \[ opened here is never closed/);
  });
});
