import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';

// dist/bench/*.js → dist/src/cli/bin.js
export const builtCli = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'cli', 'bin.js');

export interface EmulatorProcess {
  child: ChildProcess;
  url: string;
  stop(): Promise<void>;
}

/**
 * `refplan emulator --port 0 ARGS…` in a separate process, so the figures of the
 * process under test never include the emulator's own CPU; the URL comes from
 * its first stdout line, as a script would read it.
 */
export async function startEmulatorProcess(args: string[]): Promise<EmulatorProcess> {
  const child = spawn(process.execPath, [builtCli, 'emulator', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', (line) => {
      const m = /(http:\/\/\S+\/v1\.0)/.exec(line);
      if (m === null) reject(new Error(`emulator printed no URL: ${line}`));
      else resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`emulator exited with ${String(code)} before printing its URL`)));
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  };
  return { child, url, stop };
}

/** The emulator's own endpoints (`/_emulator/stats`, `/_emulator/reset`), which sit beside /v1.0. */
export async function emulatorCall<T = unknown>(url: string, path: string, method: 'GET' | 'POST' = 'GET'): Promise<T> {
  const res = await request(`${new URL(url).origin}${path}`, { method });
  const text = await res.body.text();
  return (text === '' ? undefined : JSON.parse(text)) as T;
}

export interface EmulatorRequestStats {
  total: number;
  byMethod: Record<string, number>;
  byStatus: Record<string, number>;
}

export const emulatorRequests = async (url: string): Promise<EmulatorRequestStats> =>
  (await emulatorCall<{ requests: EmulatorRequestStats }>(url, '/_emulator/stats')).requests;

export const resetEmulator = (url: string): Promise<unknown> => emulatorCall(url, '/_emulator/reset', 'POST');
