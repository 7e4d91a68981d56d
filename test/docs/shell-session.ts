import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtCli } from '../helpers/run-cli.js';

const END = '\u001e';

/**
 * One bash session, as a reader's terminal: blocks are sourced one after another in the same
 * shell, so `export`, `cd` and background jobs carry over from block to block. stdout and stderr
 * are one stream, in the order they were written. `refplan` on PATH is the built CLI.
 */
export class ShellSession {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly scripts: string;
  private output = '';
  private waiter: (() => void) | undefined;
  private closed = false;
  private count = 0;

  constructor(readonly dir: string, env: Record<string, string>) {
    this.scripts = mkdtempSync(join(tmpdir(), 'refplan-doc-scripts-'));
    mkdirSync(join(this.scripts, 'bin'));
    const shim = join(this.scripts, 'bin', 'refplan');
    writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" "${builtCli}" "$@"\n`);
    chmodSync(shim, 0o755);
    const base: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) {
      if (v !== undefined && !k.startsWith('REFPLAN_') && !k.startsWith('LC_') && !['FORCE_COLOR', 'NO_COLOR', 'COLUMNS', 'TERM', 'CI'].includes(k)) base[k] = v;
    }
    this.child = spawn('bash', ['--norc', '--noprofile'], {
      cwd: dir,
      // What a reader's shell has: a UTF-8 locale, no colour in a pipe; refplan is on PATH.
      env: { ...base, LANG: 'C.UTF-8', NO_COLOR: '1', PATH: `${join(this.scripts, 'bin')}:${process.env['PATH'] ?? ''}`, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    const take = (d: string): void => {
      this.output += d;
      this.waiter?.();
    };
    this.child.stdout.setEncoding('utf8').on('data', take);
    this.child.stderr.setEncoding('utf8').on('data', take);
    this.child.on('exit', () => {
      this.closed = true;
      this.waiter?.();
    });
    this.child.stdin.write('exec 2>&1\n');
  }

  /** Waits until the session's output holds `text` (or the shell ends); takes the output up to there. */
  private async until(text: string, timeoutMs: number): Promise<string | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (!this.output.includes(text)) {
      if (this.closed || Date.now() > deadline) return undefined;
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
        setTimeout(resolve, 200);
      });
      this.waiter = undefined;
    }
    const at = this.output.indexOf(text) + text.length;
    const taken = this.output.slice(0, at);
    this.output = this.output.slice(at);
    return taken;
  }

  /**
   * Runs one block; its status is that of its first failing command (as `set -e` would stop at),
   * though like a pasted block every line runs. `readyText`: output a background job started by
   * the block prints once it is ready (the reader waits for it before the next block).
   */
  async run(code: string, options: { readyText?: string; timeoutMs?: number } = {}): Promise<{ status: number | undefined; output: string }> {
    const file = join(this.scripts, `block-${++this.count}.sh`);
    writeFileSync(file, `${code}\n`);
    const quoted = `'${file.replaceAll("'", "'\\''")}'`;
    this.child.stdin.write(`__rc=0; trap '__s=$?; [ "$__rc" != 0 ] || __rc=$__s' ERR; . ${quoted} </dev/null; trap - ERR; printf '${END}%s${END}' "$__rc"\n`);
    const timeout = options.timeoutMs ?? 60_000;
    const taken = await this.until(END, timeout);
    if (taken === undefined) return { status: undefined, output: `${this.output}\n(the block did not finish within ${timeout} ms, or the shell ended)` };
    const statusText = (await this.until(END, 5_000)) ?? '';
    let output = taken.slice(0, -END.length);
    if (options.readyText !== undefined) {
      const ready = output.includes(options.readyText) ? '' : await this.until(options.readyText, 15_000);
      if (ready === undefined) return { status: undefined, output: `${output}${this.output}\n(never printed "${options.readyText}")` };
      output += ready;
      const eol = await this.until('\n', 2_000);
      output += eol ?? '';
    }
    return { status: Number(statusText.slice(0, -END.length)), output };
  }

  /** Ends the shell and every job it left running. */
  async close(): Promise<void> {
    if (!this.closed) {
      this.child.stdin.end('jobs -p | xargs -r kill 2>/dev/null; wait; exit 0\n');
      const killer = setTimeout(() => {
        try {
          process.kill(-(this.child.pid ?? 0), 'SIGKILL');
        } catch {
          // already gone
        }
      }, 10_000);
      await new Promise<void>((resolve) => (this.closed ? resolve() : this.child.once('exit', () => resolve())));
      clearTimeout(killer);
    }
    rmSync(this.scripts, { recursive: true, force: true });
  }
}
