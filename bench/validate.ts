import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Benchmark of `refplan validate` on a generated 1,000,000-row CSV. The
 * validation runs in a separate process (the built CLI) so its peak RSS is its
 * own, read from /usr/bin/time -v (NaN when that tool is absent), with its CPU time.
 * Goal (issue 3): at least 100,000 rows/s and under 250 MB peak RSS.
 */

export interface ValidateBenchResult {
  rows: number;
  bytes: number;
  seconds: number;
  rowsPerSecond: number;
  peakRssMb: number;
  /** CPU seconds (user + system) of the validating process: comparable on a loaded machine, unlike wall time. */
  cpuSeconds: number;
  rowsPerCpuSecond: number;
  errors: number;
}

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '..', 'src', 'cli', 'bin.js');

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0').slice(-width);
}

/** Deterministic rows: distinct GUIDs, a mix of fields, quoted notes with the delimiter inside. */
export async function writeBenchCsv(path: string, rows: number): Promise<number> {
  const out = createWriteStream(path);
  let bytes = 0;
  const write = (s: string) => {
    bytes += Buffer.byteLength(s);
    return out.write(s);
  };
  write('id,dealValue,currency,closingDateTime,notes,status,substatus,statusReason\r\n');
  const currencies = ['EUR', 'USD', 'GBP', 'SEK', 'JPY'];
  let chunk = '';
  for (let i = 0; i < rows; i++) {
    const id = `${hex(i * 2654435761, 8)}-${hex(i, 4)}-4${hex(i >> 4, 3)}-8${hex(i * 7, 3)}-${hex(i, 12)}`;
    const closing = i % 3 === 0 ? `2026-${String((i % 12) + 1).padStart(2, '0')}-15` : '';
    const close = i % 10 === 0;
    chunk += `${id},${(i % 50000) + 100}.50,${currencies[i % 5]},${closing},"Note ${i}, checked",${close ? 'Closed,Lost,No budget' : ',,'}\r\n`;
    if (chunk.length > 64 * 1024) {
      if (!write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
      chunk = '';
    }
  }
  write(chunk);
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  return bytes;
}

function runChild(file: string): Promise<{ stdout: string; stderr: string; seconds: number; code: number | null }> {
  const useTime = existsSync('/usr/bin/time');
  const args = useTime ? ['-v', process.execPath, cli, 'validate', file, '--json'] : [cli, 'validate', file, '--json'];
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(useTime ? '/usr/bin/time' : process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ stdout, stderr, code, seconds: Number(process.hrtime.bigint() - started) / 1e9 }));
  });
}

export async function runValidateBench(options: { rows?: number } = {}): Promise<ValidateBenchResult> {
  const rows = options.rows ?? 1_000_000;
  const dir = mkdtempSync(join(tmpdir(), 'refplan-bench-validate-'));
  try {
    const file = join(dir, 'changes.csv');
    const bytes = await writeBenchCsv(file, rows);
    const run = await runChild(file);
    const report = JSON.parse(run.stdout) as { stats: { rows: number; errors: number } };
    const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(run.stderr);
    const peakRssMb = rss === null ? Number.NaN : Number(rss[1]) / 1024;
    const user = /User time \(seconds\): ([\d.]+)/.exec(run.stderr);
    const sys = /System time \(seconds\): ([\d.]+)/.exec(run.stderr);
    const cpuSeconds = user === null || sys === null ? Number.NaN : Number(user[1]) + Number(sys[1]);
    return {
      rows: report.stats.rows,
      bytes,
      seconds: run.seconds,
      rowsPerSecond: Math.round(report.stats.rows / run.seconds),
      peakRssMb: Math.round(peakRssMb * 10) / 10,
      cpuSeconds,
      rowsPerCpuSecond: Math.round(report.stats.rows / cpuSeconds),
      errors: report.stats.errors,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const rows = process.argv[2] === undefined ? undefined : Number(process.argv[2]);
  const r = await runValidateBench(rows === undefined ? {} : { rows });
  console.log(`validate: ${r.rows.toLocaleString('en-US')} CSV rows (${(r.bytes / 1048576).toFixed(1)} MB) in ${r.seconds.toFixed(2)} s`);
  console.log(`  rows/s:   ${r.rowsPerSecond.toLocaleString('en-US')} (goal >= 100,000)`);
  console.log(`  peak RSS: ${r.peakRssMb} MB (goal < 250 MB)`);
  console.log(`  CPU:      ${r.cpuSeconds.toFixed(2)} s user+sys = ${r.rowsPerCpuSecond.toLocaleString('en-US')} rows per CPU second (wall time suffers when the machine is busy)`);
  if (r.errors > 0) console.log(`  (the generated file had ${r.errors} errors: the benchmark input is wrong)`);
}
