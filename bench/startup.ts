import { execFileSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * CLI start-up cost: wall time of `refplan --help` and `refplan validate samples/changes.yaml`
 * against bare `node`, as the median of several runs. Declaring the commands loads only
 * commander; each command's action imports its engine (test/cli/startup-imports.test.ts keeps it so).
 * Run after a build: node dist/bench/startup.js [runs]
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = join(ROOT, 'dist', 'src', 'cli', 'bin.js');

function medianSeconds(args: string[], runs: number): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    execFileSync(process.execPath, args, { cwd: ROOT, stdio: 'ignore' });
    times.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? 0;
}

export interface StartupBenchResult {
  runs: number;
  /** Median wall seconds per case. */
  seconds: Record<string, number>;
}

export function runStartupBench(runs = 9, log: (line: string) => void = (l) => console.log(l)): StartupBenchResult {
  const cases: [string, string[]][] = [
    ['node -e 0', ['-e', '0']],
    ['refplan --help', [BIN, '--help']],
    ['refplan validate samples/changes.yaml', [BIN, 'validate', 'samples/changes.yaml']],
  ];
  const seconds: Record<string, number> = {};
  for (const [name, args] of cases) {
    seconds[name] = medianSeconds(args, runs);
    log(`${name.padEnd(40)} ${seconds[name]!.toFixed(3)} s (median of ${runs})`);
  }
  return { runs, seconds };
}

// Runnable alone: node dist/bench/startup.js [runs]
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  runStartupBench(Number(process.argv[2] ?? 9));
}
