import { resolve } from 'node:path';
import { UsageError } from '../../core/errors.js';
import type { CliContext } from '../context.js';
import { runDemo as walkThrough } from '../demo/run-demo.js';
import { runCli } from '../main.js';

/** The work of `refplan demo`, loaded only when the command runs (demo.ts declares it). */
export async function runDemo(ctx: CliContext, flags: { dir: string; referrals: string }): Promise<void> {
  const referrals = Number(flags.referrals);
  if (!Number.isInteger(referrals) || referrals < 20) throw new UsageError(`--referrals must be a whole number of at least 20, got '${flags.referrals}'`);
  // Each step runs through the same entry point as the real CLI.
  ctx.exitCode = await walkThrough(ctx.io, { dir: resolve(ctx.io.cwd, flags.dir), referrals, runCommand: runCli });
}
