import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import { builtCli, runCli } from '../helpers/run-cli.js';
import { tempTree } from '../helpers/temp-dir.js';
import { call, referralsUrl } from './helpers.js';

/** Starts the built CLI with plain node and resolves with the first stdout line. */
function startCli(args: string[]) {
  const child = spawn(process.execPath, [builtCli, 'emulator', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const firstLine = new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once('line', resolve);
    child.once('exit', () => reject(new Error(`emulator exited before printing its URL: ${stderr}`)));
  });
  return { child, firstLine, exited, stderr: () => stderr };
}

describe('refplan emulator (built CLI under plain node)', () => {
  it('on --port 0 prints its URL on the first stdout line, serves, and exits 0 on SIGTERM saving --data', async () => {
    const dir = tempTree();
    const data = join(dir, 'data.json');
    const run = startCli(['--port', '0', '--generate', '25', '--data', data]);
    try {
      const line = await run.firstLine;
      const match = /http:\/\/127\.0\.0\.1:(\d+)\/v1\.0/.exec(line);
      expect(match, line).not.toBeNull();
      const base = match?.[0] as string;
      expect(Number(match?.[1])).toBeGreaterThan(0);
      const list = await call('GET', referralsUrl(base));
      expect(list.status).toBe(200);
      expect(list.json['@odata.count']).toBe(25);
    } finally {
      run.child.kill('SIGTERM');
    }
    const exit = await run.exited;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(existsSync(data)).toBe(true);
    expect(JSON.parse(readFileSync(data, 'utf8'))).toHaveLength(25);
  });

  it.each([
    [['--port', 'abc'], /--port must be a whole number between 0 and 65535, got 'abc'/],
    [['--fail-rate', '1.5'], /--fail-rate must be a number between 0 and 1/],
    [['--rate', '0'], /--rate must be a number greater than 0/],
    [['--generate', '-3'], /--generate must be a whole number at least 0/],
  ])('refuses bad flag values %j with exit 1 and a clear message', async (args, message) => {
    const r = await runCli(['emulator', ...args]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });
});
