import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XlsxStreamWriter } from 'hucre/xlsx';
import { builtCli, startEmulatorProcess } from './emulator-process.js';

/**
 * Workbook figures (issue 12), each the built CLI in its own process under
 * /usr/bin/time -v (peak RSS), against an emulator in another process:
 * `refplan export -o FILE.xlsx` of 20,000 referrals (goal ≤ 10 s, ≤ 300 MB), and
 * `refplan validate` of a 100,000-row workbook (goal ≤ 10 s, ≤ 300 MB).
 */
export interface WorkbookFigure {
  rows: number;
  bytes: number;
  seconds: number;
  peakRssMb: number;
  cpuSeconds: number;
  code: number | null;
}

export interface WorkbookBenchResult {
  export: WorkbookFigure;
  read: WorkbookFigure;
  /** The machine is shared: the 1, 5 and 15-minute load averages when the figures were taken. */
  loadAverage: number[];
}

function timed(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ stdout: string; seconds: number; peakRssMb: number; cpuSeconds: number; code: number | null }> {
  const useTime = existsSync('/usr/bin/time');
  const argv = useTime ? ['-v', process.execPath, builtCli, ...args] : [builtCli, ...args];
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(useTime ? '/usr/bin/time' : process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr);
      const user = /User time \(seconds\): ([\d.]+)/.exec(stderr);
      const sys = /System time \(seconds\): ([\d.]+)/.exec(stderr);
      resolve({
        stdout,
        code,
        seconds: Number(process.hrtime.bigint() - started) / 1e9,
        peakRssMb: rss === null ? Number.NaN : Math.round(Number(rss[1]) / 102.4) / 10,
        cpuSeconds: user === null || sys === null ? Number.NaN : Math.round((Number(user[1]) + Number(sys[1])) * 100) / 100,
      });
    });
  });
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0').slice(-width);
}

/** A hand-made change-set workbook: typed numbers and dates, text, as Excel saves them (shared strings). */
async function writeChangeWorkbook(path: string, rows: number): Promise<void> {
  const writer = new XlsxStreamWriter({ name: 'Changes', freezePane: { rows: 1 } });
  writer.addRow(['id', 'dealValue', 'currency', 'closingDateTime', 'notes', 'status', 'substatus', 'statusReason']);
  const currencies = ['EUR', 'USD', 'GBP', 'SEK', 'JPY'];
  for (let i = 0; i < rows; i++) {
    const id = `${hex(i * 2654435761, 8)}-${hex(i, 4)}-4${hex(i >> 4, 3)}-8${hex(i * 7, 3)}-${hex(i, 12)}`;
    const close = i % 10 === 0;
    writer.addRow([
      id,
      (i % 50000) + 100.5,
      currencies[i % 5] ?? 'EUR',
      i % 3 === 0 ? new Date(Date.UTC(2026, i % 12, 15)) : null,
      `Note ${i}, checked – größer`,
      close ? 'Closed' : null,
      close ? 'Lost' : null,
      close ? 'No budget' : null,
    ]);
  }
  writeFileSync(path, await writer.finish());
}

export async function runWorkbookBench(options: { referrals?: number; rows?: number; log?: (line: string) => void } = {}): Promise<WorkbookBenchResult> {
  const log = options.log ?? (() => {});
  const referrals = options.referrals ?? 20_000;
  const rows = options.rows ?? 100_000;
  const dir = mkdtempSync(join(tmpdir(), 'refplan-bench-workbook-'));
  const emulator = await startEmulatorProcess(['--generate', String(referrals)]);
  try {
    const out = join(dir, 'pipeline.xlsx');
    const exported = await timed(['export', '-o', out], { REFPLAN_TOKEN: 'bench', REFPLAN_BASE_URL: emulator.url });
    const exportFigure = { rows: referrals, bytes: existsSync(out) ? statSync(out).size : 0, seconds: exported.seconds, peakRssMb: exported.peakRssMb, cpuSeconds: exported.cpuSeconds, code: exported.code };
    log(`export ${referrals.toLocaleString('en-US')} referrals to .xlsx: ${exported.seconds.toFixed(2)} s, peak RSS ${exported.peakRssMb} MB (goal ≤ 10 s, ≤ 300 MB)`);
    await emulator.stop();

    const input = join(dir, 'changes.xlsx');
    await writeChangeWorkbook(input, rows);
    const read = await timed(['validate', input, '--json']);
    const stats = (JSON.parse(read.stdout || '{}') as { stats?: { rows?: number } }).stats;
    const readFigure = { rows: stats?.rows ?? 0, bytes: statSync(input).size, seconds: read.seconds, peakRssMb: read.peakRssMb, cpuSeconds: read.cpuSeconds, code: read.code };
    log(`read (validate) a ${rows.toLocaleString('en-US')}-row workbook: ${read.seconds.toFixed(2)} s, peak RSS ${read.peakRssMb} MB (goal ≤ 10 s, ≤ 300 MB)`);
    return { export: exportFigure, read: readFigure, loadAverage: loadavg().map((l) => Math.round(l * 10) / 10) };
  } finally {
    await emulator.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The rows of the summary table (bench/run.ts) that this bench's figures fill in. */
export function workbookTableRows(workbook: WorkbookBenchResult): [string, string, string][] {
  const fixed = (n: number, digits: number) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
  return [
    ['export 20,000 referrals to .xlsx: seconds', fixed(workbook.export.seconds, 2), '≤ 10'],
    ['export 20,000 referrals to .xlsx: peak RSS, MB', fixed(workbook.export.peakRssMb, 0), '≤ 300'],
    ['read a 100,000-row workbook: seconds', fixed(workbook.read.seconds, 2), '≤ 10'],
    ['read a 100,000-row workbook: peak RSS, MB', fixed(workbook.read.peakRssMb, 0), '≤ 300'],
  ];
}

// `npm run bench:workbook`: this bench alone; its figures replace the `workbook` entry of
// bench/results.json and its rows of the summary table.
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const started = new Date();
  const result = await runWorkbookBench({ log: console.log });
  const out = join(fileURLToPath(import.meta.url), '..', '..', '..', 'bench', 'results.json');
  const all = existsSync(out) ? (JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>) : {};
  const fresh = new Map(workbookTableRows(result).map((r) => [r[0], r]));
  const old = Array.isArray(all['table']) ? (all['table'] as [string, string, string][]) : [];
  const table = [...old.map((r) => fresh.get(r[0]) ?? r), ...[...fresh.values()].filter((r) => !old.some((o) => o[0] === r[0]))];
  writeFileSync(out, `${JSON.stringify({ ...all, workbook: { date: started.toISOString(), command: 'npm run bench:workbook', ...result }, table }, null, 2)}\n`);
}
