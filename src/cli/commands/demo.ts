import { join } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import type { CliContext } from '../context.js';

export function register(program: Command, ctx: CliContext): void {
  program
    .command('demo')
    .description('walk through export → edit → validate → plan → apply (with a conflict) → rollback → migrate against an embedded emulator')
    .option('--dir <folder>', 'where the demo writes its files (recreated)', '.refplan-demo')
    .option('--referrals <n>', 'referrals the embedded emulator generates', '300')
    .action(async (flags: { dir: string; referrals: string }) => {
      const referrals = Number(flags.referrals);
      if (!Number.isInteger(referrals) || referrals < 20) throw new UsageError(`--referrals must be a whole number of at least 20, got '${flags.referrals}'`);
      // Lazy: main imports the command table, which imports this file.
      const [{ runDemo }, { runCli }] = await Promise.all([import('../demo/run-demo.js'), import('../main.js')]);
      ctx.exitCode = await runDemo(ctx.io, { dir: join(ctx.io.cwd, flags.dir), referrals, runCommand: runCli });
    });
}
