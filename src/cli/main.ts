import { Command, CommanderError } from 'commander';
import { ExitCode } from '../core/exit-codes.js';
import { isRefplanError, UsageError } from '../core/errors.js';
import type { CliContext, CliIO } from './context.js';
import { renderErrorHuman, renderErrorJson } from './render-error.js';
import { registerCommands } from './commands/index.js';
import { checkArgv } from './argv-check.js';
import { passedFlags } from './passed-flags.js';
import { reflowHelpText } from './help-text.js';
import { asciiOnly, helpWidth, toAscii } from './terminal.js';

export const VERSION = '0.1.0';

/**
 * Help wraps to the terminal's width, and to 80 columns when it is not a terminal, so the
 * generated command reference (docs/reference/commands.md, checked by a test) cannot drift
 * with the width of whoever generated it.
 */

/** Where commander's own usage errors (unknown option, missing argument…) are held until the one exit point renders them. */
interface PendingUsageError {
  message: string;
}

export function createProgram(ctx: CliContext, pending: PendingUsageError = { message: '' }): Command {
  const program = new Command('refplan')
    .description('Plan and apply bulk updates of Partner Center referrals, safely (plan/apply, If-Match, journal, rollback).')
    .version(VERSION)
    .option('-q, --quiet', 'no progress and no notes on stderr; errors and results only')
    .option('--no-color', 'no colour (also NO_COLOR=1); FORCE_COLOR=1 forces it')
    .option('--debug', 'print stack traces for errors')
    .configureHelp({ showGlobalOptions: true })
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
        'NO_COLOR / FORCE_COLOR (colour), REFPLAN_ASCII=1 (ASCII instead of · → ✓ ✗ ↺).',
        'Run refplan <command> --help for a command\'s options and examples. Output to stdout: -o -.',
        '',
        'Exit codes: 0 ok, 1 operational error (usage, network, server, internal), 2 changes pending',
        '(plan --detailed-exitcode), 3 invalid input (nothing sent), 4 conflicts (nothing overwritten),',
        '5 partial failure, 6 disk full (run the same command again once there is space), 130 stopped',
        'by Ctrl+C (run the same command to continue).',
      ].join('\n'),
    )
    .exitOverride()
    .configureOutput({
      // Commander's own help (it starts with "Usage:") is already wrapped; the text a command adds is reflowed.
      writeOut: (s) => ctx.io.stdout.write(s.startsWith('Usage:') ? s : reflowHelpText(s, helpWidth(ctx.io.stdout))),
      writeErr: (s) => ctx.io.stderr.write(s.startsWith('Usage:') ? s : reflowHelpText(s, helpWidth(ctx.io.stderr))),
      getOutHelpWidth: () => helpWidth(ctx.io.stdout),
      getErrHelpWidth: () => helpWidth(ctx.io.stderr),
      // Usage errors are rendered by runCli like every other error (one paragraph, or JSON with --json).
      outputError: (s) => {
        pending.message += s;
      },
    });
  // -q may come combined (-qy) or after the command: read it as commander parsed it.
  program.hook('preAction', (_, action) => {
    ctx.quiet = program.opts()['quiet'] === true;
    ctx.passedFlags = passedFlags(action);
  });
  registerCommands(program, ctx);
  return program;
}

/** The single exit point: every error becomes one paragraph and a documented exit code. */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const ctx: CliContext = { io: consoleIO(argv, io), exitCode: ExitCode.ok };
  const debug = argv.includes('--debug');
  const json = argv.includes('--json');
  const pending: PendingUsageError = { message: '' };
  const program = createProgram(ctx, pending);
  try {
    await program.parseAsync(checkArgv(argv, program), { from: 'user' });
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
    const passed = ctx.passedFlags ?? new Map();
    io.stderr.write(json ? renderErrorJson(e, passed) : renderErrorHuman(e, debug, passed));
    return isRefplanError(e) ? e.exitCode : ExitCode.error;
  }
}

/** Whether stdout carries a document (JSON, or a file's content with `-o -`): never rewritten. */
function stdoutIsData(argv: readonly string[]): boolean {
  const format = (i: number) => ['json', 'csv'].includes(argv[i + 1] ?? '');
  return argv.some((a, i) => a === '--json' || a === '--output=-' || /^--format=(json|csv)$/.test(a) || (a === '--format' && format(i)) || ((a === '-o' || a === '--output') && argv[i + 1] === '-'));
}

/** `--no-color` as the environment every renderer reads; `· → ✓ ✗` as ASCII where the console cannot show them. */
function consoleIO(argv: readonly string[], io: CliIO): CliIO {
  const env = argv.includes('--no-color') ? { ...io.env, NO_COLOR: '1', FORCE_COLOR: '0' } : io.env;
  if (!asciiOnly(env)) return { ...io, env };
  const ascii = <S extends CliIO['stdout']>(stream: S): S => {
    const wrapped = Object.create(stream) as S;
    wrapped.write = ((chunk: unknown, ...rest: never[]) => stream.write(typeof chunk === 'string' ? toAscii(chunk) : (chunk as Uint8Array), ...rest)) as S['write'];
    return wrapped;
  };
  return { ...io, env, stdout: stdoutIsData(argv) ? io.stdout : ascii(io.stdout), stderr: ascii(io.stderr) };
}
