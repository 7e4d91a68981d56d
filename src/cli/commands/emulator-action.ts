import { escapeControls } from '../../core/terminal-text.js';
import { plural } from '../../core/plural.js';
import { existsSync } from 'node:fs';
import { UsageError } from '../../core/errors.js';
import { startEmulator, type EmulatorOptions } from '../../emulator/index.js';
import { parseRateSchedule } from '../../emulator/rate-limit.js';
import type { CliContext } from '../context.js';
import { listenFailure } from '../listen-error.js';
import { DEFAULT_EMULATOR_PORT, type EmulatorFlags } from './emulator.js';
import { waitForStopSignal } from '../wait-for-stop-signal.js';

type NumberRule = { flag: string; integer?: boolean; min: number; max?: number; minExclusive?: boolean; example: string };

function parseNumber(text: string | undefined, rule: NumberRule): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text.trim());
  const range =
    rule.max === undefined ? `${rule.minExclusive === true ? 'greater than' : 'at least'} ${rule.min}` : `between ${rule.min} and ${rule.max}`;
  const kind = rule.integer === true ? 'a whole number' : 'a number';
  if (
    text.trim() === '' ||
    !Number.isFinite(value) ||
    (rule.integer === true && !Number.isInteger(value)) ||
    (rule.minExclusive === true ? value <= rule.min : value < rule.min) ||
    (rule.max !== undefined && value > rule.max)
  ) {
    throw new UsageError(`${rule.flag} must be ${kind} ${range}, got '${text}'`, `for example: refplan emulator ${rule.flag} ${rule.example}`);
  }
  return value;
}

const LIMITERS = ['token-bucket', 'fixed-window', 'sliding-window'] as const;

function oneOf<T extends string>(text: string | undefined, flag: string, allowed: readonly T[]): T | undefined {
  if (text === undefined) return undefined;
  const value = text.trim().toLowerCase();
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`${flag} must be one of ${allowed.join(', ')}, got '${text}'`, `for example: refplan emulator ${flag} ${allowed[0]}`);
}

/** Flags → library options; every bad value is a UsageError naming the flag. */
export function parseEmulatorFlags(flags: EmulatorFlags): EmulatorOptions {
  const options: EmulatorOptions = {
    port: parseNumber(flags.port, { flag: '--port', integer: true, min: 0, max: 65535, example: '4780' }) ?? DEFAULT_EMULATOR_PORT,
    host: flags.host ?? '127.0.0.1',
  };
  const set = <K extends keyof EmulatorOptions>(key: K, value: EmulatorOptions[K] | undefined): void => {
    if (value !== undefined) options[key] = value;
  };
  set('generate', parseNumber(flags.generate, { flag: '--generate', integer: true, min: 0, example: '1000' }));
  set('randomSeed', parseNumber(flags.randomSeed, { flag: '--random-seed', integer: true, min: 0, max: 4294967295, example: '42' }));
  set('rate', parseNumber(flags.rate, { flag: '--rate', min: 0, minExclusive: true, example: '50' }));
  set('burst', parseNumber(flags.burst, { flag: '--burst', min: 1, example: '10' }));
  set('latencyMs', parseNumber(flags.latency, { flag: '--latency', min: 0, example: '20' }));
  set('failRate', parseNumber(flags.failRate, { flag: '--fail-rate', min: 0, max: 1, example: '0.05' }));
  set('resetAfterCommitRate', parseNumber(flags.resetAfterCommitRate, { flag: '--reset-after-commit-rate', min: 0, max: 1, example: '0.02' }));
  set('windowSeconds', parseNumber(flags.window, { flag: '--window', min: 0, minExclusive: true, example: '6' }));
  set('writeRate', parseNumber(flags.writeRate, { flag: '--write-rate', min: 0, minExclusive: true, example: '50' }));
  set('limiter', oneOf(flags.limiter, '--limiter', LIMITERS));
  set('retryAfter', oneOf(flags.retryAfter, '--retry-after', ['auto', 'none'] as const));
  set('rateLimitHeaders', oneOf(flags.ratelimitHeaders, '--ratelimit-headers', ['ietf', 'apim', 'both'] as const));
  if (flags.rateSchedule !== undefined) {
    try {
      options.rateSchedule = parseRateSchedule(flags.rateSchedule);
    } catch (e) {
      throw new UsageError(`--rate-schedule: ${(e as Error).message}`, 'for example: --rate-schedule "0:100,10:50" (100/s from the start, 50/s from 10 s on)');
    }
    if (flags.rate !== undefined) throw new UsageError('give either --rate or --rate-schedule, not both', 'the schedule\'s first step is the starting rate: --rate-schedule "0:100,10:50"');
  }
  const limited = flags.rate !== undefined || flags.writeRate !== undefined || flags.rateSchedule !== undefined;
  if (flags.burst !== undefined && !limited) throw new UsageError('--burst needs --rate or --write-rate', 'for example: --rate 50 --burst 10');
  const shape = options.limiter ?? 'token-bucket';
  if (flags.burst !== undefined && shape !== 'token-bucket') throw new UsageError(`--burst applies to --limiter token-bucket, not ${shape}`, 'a window\'s quota is --rate × --window');
  if (flags.window !== undefined && shape === 'token-bucket') throw new UsageError('--window applies to --limiter fixed-window or sliding-window', 'for example: --limiter fixed-window --rate 100 --window 6');
  for (const [flag, given] of [['--limiter', flags.limiter], ['--retry-after', flags.retryAfter], ['--ratelimit-headers', flags.ratelimitHeaders]] as const) {
    if (given !== undefined && !limited) throw new UsageError(`${flag} needs --rate, --write-rate or --rate-schedule`, `for example: --rate 100 ${flag} ${given}`);
  }
  if (flags.token !== undefined && flags.token.trim() === '') throw new UsageError('--token must not be empty');
  if (flags.host !== undefined && flags.host.trim() === '') throw new UsageError('--host must not be empty', 'for example: --host 127.0.0.1');
  set('seedFile', flags.seedFile);
  set('dataFile', flags.data);
  set('token', flags.token);
  return options;
}

/** The work of `refplan emulator`, loaded only when the command runs (emulator.ts declares it). */
export async function runEmulator(ctx: CliContext, flags: EmulatorFlags): Promise<void> {
  const options = parseEmulatorFlags(flags);
  const ignored =
    options.dataFile !== undefined && existsSync(options.dataFile) && (options.generate !== undefined || options.seedFile !== undefined);
  let emulator;
  try {
    emulator = await startEmulator(options);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const listen = listenFailure(e, { port: options.port ?? DEFAULT_EMULATOR_PORT, host: options.host ?? '127.0.0.1' });
    if (listen !== undefined) throw listen;
    if (err.name === 'DataFileError') throw new UsageError(err.message, (e as { hint?: string }).hint ?? 'the file must hold a JSON array of referral objects, each with an "id"');
    throw e;
  }
  // The first stdout line carries the base URL so scripts can start it on port 0.
  ctx.io.stdout.write(`refplan emulator listening on ${emulator.url} (${plural(emulator.store.size, 'referral')})\n`);
  if (ignored) {
    ctx.io.stderr.write(`note: --data ${escapeControls(options.dataFile ?? "")} is loaded when it exists; --generate/--seed-file apply only when it does not\n`);
  }
  ctx.io.stderr.write('stats: GET /_emulator/stats, reset: POST /_emulator/reset; stop with Ctrl+C\n');
  await waitForStopSignal();
  await emulator.close();
  ctx.io.stderr.write(options.dataFile === undefined ? 'emulator stopped\n' : `emulator stopped; data saved to ${escapeControls(options.dataFile)}\n`);
}
