// A killed `npx refplan emulator` (the npm parent) must not leave the emulator child serving with
// its port bound: started with npm_command set, it stops when its parent dies.
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { builtCli } from '../helpers/run-cli.js';

const refused = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });

describe('refplan emulator under npx', () => {
  it('stops and frees its port when the npm parent is killed', async () => {
    // A stand-in for npx: a node process that starts the emulator as its child and prints the child's first line.
    const parentScript = `
      const { spawn } = require('node:child_process');
      const child = spawn(process.execPath, [${JSON.stringify(builtCli)}, 'emulator', '--port', '0', '--generate', '3'], { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, npm_command: 'exec' } });
      child.stdout.on('data', (d) => process.stdout.write(d));
      setInterval(() => {}, 1000);`;
    const parent = spawn(process.execPath, ['-e', parentScript], { stdio: ['ignore', 'pipe', 'ignore'] });
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      parent.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        const m = /listening on (\S+)/.exec(out);
        if (m !== null) resolve(m[1]!);
      });
      parent.once('exit', () => reject(new Error(`parent exited first: ${out}`)));
    });
    const port = Number(new URL(url).port);
    expect(await refused(port)).toBe(false);
    parent.kill('SIGKILL');
    let free = false;
    for (let i = 0; i < 120 && !free; i++) {
      await new Promise((r) => setTimeout(r, 250));
      free = await refused(port);
    }
    expect(free).toBe(true);
  }, 60_000);
});
