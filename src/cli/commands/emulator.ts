import type { Command } from 'commander';
import type { CliContext } from '../context.js';

/** The fixed port `refplan emulator` binds when --port is not given (docs/reference/emulator.md). */
export const DEFAULT_EMULATOR_PORT = 4780;

export interface EmulatorFlags {
  port?: string;
  host?: string;
  generate?: string;
  randomSeed?: string;
  seedFile?: string;
  data?: string;
  token?: string;
  rate?: string;
  burst?: string;
  limiter?: string;
  window?: string;
  writeRate?: string;
  rateSchedule?: string;
  retryAfter?: string;
  ratelimitHeaders?: string;
  latency?: string;
  failRate?: string;
  resetAfterCommitRate?: string;
}

export function register(program: Command, ctx: CliContext): void {
  program
    .command('emulator')
    .description('run a local emulator of the Partner Center referrals API (for tests, demos and benchmarks)')
    .option('--port <n>', `port to listen on; 0 picks a free one (default ${DEFAULT_EMULATOR_PORT})`)
    .option('--host <host>', 'interface to bind (default 127.0.0.1)')
    .option('--generate <n>', 'start with N generated, realistic referrals')
    .option('--random-seed <n>', 'seed for --generate and for fault injection (default 1)')
    .option('--seed-file <file>', 'start with the referrals in this JSON array')
    .option('--data <file>', 'load referrals from this file at start (if it exists) and save them to it on exit')
    .option('--token <token>', 'require exactly this bearer token (default: any bearer token)')
    .option('--rate <n>', 'requests per second before answering 429, every request counted (default unlimited)')
    .option('--limiter <shape>', 'how the limit is counted: token-bucket, fixed-window or sliding-window (default token-bucket)')
    .option('--burst <n>', 'token bucket size (default: one second of the rate)')
    .option('--window <s>', 'window length in seconds for fixed-window and sliding-window (default 1)')
    .option('--write-rate <n>', 'a separate quota for writes (PATCH/PUT/POST) in requests per second')
    .option('--rate-schedule <list>', 'a limit that changes mid-run, SECONDS:RATE pairs, e.g. "0:100,10:50"')
    .option('--retry-after <mode>', 'auto: whole seconds, rounded up, until a request could pass; none: no Retry-After (default auto)')
    .option('--ratelimit-headers <style>', 'send rate-limit headers on every answer: ietf (RateLimit-*), apim (x-ratelimit-*) or both')
    .option('--latency <ms>', 'add this mean latency (±25% jitter) to every API request')
    .option('--fail-rate <p>', 'probability (0..1) of a 500/503 before a request is processed')
    .option('--reset-after-commit-rate <p>', 'probability (0..1) that a committed write loses its connection before the response')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  $ refplan emulator --port 0 --generate 20000',
        '  $ refplan emulator --rate 50 --fail-rate 0.05 --latency 20',
        '  $ refplan emulator --reset-after-commit-rate 0.02 --data emulator.json',
        '  $ refplan emulator --limiter fixed-window --rate 100 --window 6',
        '  $ refplan emulator --write-rate 50 --burst 5 --rate-schedule "0:50,10:25"',
        '',
        'The first stdout line holds the base URL (http://127.0.0.1:PORT/v1.0). Stats: GET /_emulator/stats;',
        'reset: POST /_emulator/reset. Stops on Ctrl+C / SIGTERM.',
        'Exit codes: 0 stopped cleanly, 1 bad flag value, unreadable --seed-file/--data, port in use.',
      ].join('\n'),
    )
    .action(async (flags: EmulatorFlags) => {
      const { runEmulator } = await import('./emulator-action.js');
      await runEmulator(ctx, flags);
    });
}
