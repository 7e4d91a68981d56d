import { Command, CommanderError } from 'commander';
import { ExitCode } from '../core/exit-codes.js';
import { isRefplanError, UsageError } from '../core/errors.js';
import type { CliContext, CliIO } from './context.js';
import { renderErrorHuman, renderErrorJson } from './render-error.js';
import { registerCommands } from './commands/index.js';

export const VERSION = '0.1.0';

/**
 * Help is wrapped at a fixed width, not the terminal's, so `--help` reads the same
 * everywhere and the command reference in docs/reference/commands.md (checked by a test) cannot drift
 * with the width of whoever generated it.
 */
export const HELP_WIDTH = 100;

/** Where commander's own usage errors (unknown option, missing argument…) are held until the one exit point renders them. */
interface PendingUsageError {
  message: string;
}

export function createProgram(ctx: CliContext, pending: PendingUsageError = { message: '' }): Command {
  const program = new Command('refplan')
    .description('Plan and apply bulk updates of Partner Center referrals, safely (plan/apply, If-Match, journal, rollback).')
    .version(VERSION)
    .option('--debug', 'print stack traces for errors')
    .addHelpText(
      'after',
      [
        '',
        'Workflow:',
        '  $ refplan export --where status=Active -o referrals.csv    # edit cells, then:',
        '  $ refplan validate referrals.csv',
        '  $ refplan plan referrals.csv -o changes.plan.json',
        '  $ refplan show changes.plan.json',
        '  $ refplan apply changes.plan.json',
        '  $ refplan rollback changes.plan.rollback.json',
        '',
        'Environment: REFPLAN_TOKEN (bearer token; never printed or written), REFPLAN_BASE_URL (API root),',
        'NO_COLOR (no colour). Run refplan <command> --help for a command\'s options and examples.',
        '',
        'Exit codes: 0 ok, 1 operational error (usage, network, server, internal), 2 changes pending',
        '(plan --detailed-exitcode), 3 invalid input (nothing sent), 4 conflicts (nothing overwritten),',
        '5 partial failure.',
      ].join('\n'),
    )
    .exitOverride()
    .configureOutput({
      writeOut: (s) => ctx.io.stdout.write(s),
      writeErr: (s) => ctx.io.stderr.write(s),
      getOutHelpWidth: () => HELP_WIDTH,
      getErrHelpWidth: () => HELP_WIDTH,
      // Usage errors are rendered by runCli like every other error (one paragraph, or JSON with --json).
      outputError: (s) => {
        pending.message += s;
      },
    });
  registerCommands(program, ctx);
  return program;
}

/** The single exit point: every error becomes one paragraph and a documented exit code. */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const ctx: CliContext = { io, exitCode: ExitCode.ok };
  const debug = argv.includes('--debug');
  const json = argv.includes('--json');
  const pending: PendingUsageError = { message: '' };
  const program = createProgram(ctx, pending);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return ctx.exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version are "errors" to commander; they are successes to us. Help shown
      // because something was missing (`refplan` with no command) is a usage error.
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || (e.code === 'commander.help' && e.exitCode === 0)) return ExitCode.ok;
      if (e.code === 'commander.help') return ExitCode.error;
      const message = (pending.message === '' ? e.message : pending.message).trim().replace(/^error: /, '');
      const name = argv.find((a) => !a.startsWith('-'));
      const command = program.commands.find((c) => c.name() === name);
      const usage = new UsageError(message, `run refplan ${command === undefined ? '' : `${command.name()} `}--help for usage`);
      io.stderr.write(json ? renderErrorJson(usage) : renderErrorHuman(usage, false));
      return ExitCode.error;
    }
    io.stderr.write(json ? renderErrorJson(e) : renderErrorHuman(e, debug));
    return isRefplanError(e) ? e.exitCode : ExitCode.error;
  }
}
