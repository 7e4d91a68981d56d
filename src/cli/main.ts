import { Command, CommanderError } from 'commander';
import { ExitCode } from '../core/exit-codes.js';
import { isRefplanError } from '../core/errors.js';
import type { CliContext, CliIO } from './context.js';
import { renderErrorHuman, renderErrorJson } from './render-error.js';
import { registerCommands } from './commands/index.js';

export const VERSION = '0.1.0';

export function createProgram(ctx: CliContext): Command {
  const program = new Command('refplan')
    .description('Plan and apply bulk updates of Partner Center referrals, safely (plan/apply, If-Match, journal, rollback).')
    .version(VERSION)
    .option('--debug', 'print stack traces for errors')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.io.stdout.write(s),
      writeErr: (s) => ctx.io.stderr.write(s),
    });
  registerCommands(program, ctx);
  return program;
}

/** The single exit point: every error becomes one paragraph and a documented exit code. */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const ctx: CliContext = { io, exitCode: ExitCode.ok };
  const debug = argv.includes('--debug');
  const json = argv.includes('--json');
  const program = createProgram(ctx);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return ctx.exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version are "errors" to commander; they are successes to us.
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return ExitCode.ok;
      return ExitCode.error;
    }
    io.stderr.write(json ? renderErrorJson(e) : renderErrorHuman(e, debug));
    return isRefplanError(e) ? e.exitCode : ExitCode.error;
  }
}
