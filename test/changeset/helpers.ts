import { Writable } from 'node:stream';
import { Readable } from 'node:stream';
import { runCli } from '../../src/cli/main.js';
import type { Diagnostic } from '../../src/core/diagnostics.js';

/** Runs the CLI in-process (same code as the built bin, without a process per test). */
export async function runInProcess(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const sink = (append: (s: string) => void) =>
    new Writable({
      write(chunk: Buffer | string, _enc, done) {
        append(chunk.toString());
        done();
      },
    });
  const code = await runCli(args, {
    stdout: sink((s) => (stdout += s)),
    stderr: sink((s) => (stderr += s)),
    stdin: Readable.from([]),
    env: { NO_COLOR: '1' },
    cwd,
  });
  return { code, stdout, stderr };
}

export function errorsOf(json: string): Diagnostic[] {
  const doc = JSON.parse(json) as { diagnostics: Diagnostic[] };
  return doc.diagnostics.filter((d) => d.severity === 'error');
}
