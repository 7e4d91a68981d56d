import type { Command } from 'commander';
import { addConnectionOptions } from '../connection-options.js';
import type { CliContext } from '../context.js';
import type { ApplyFlags } from './run-apply.js';

/**
 * `refplan rollback PLAN.rollback.json`: shows what it will restore, asks (or
 * --yes), then applies the rollback file like any plan: If-Match on the eTag
 * each original write returned, so a referral edited after the apply is
 * reported as a conflict and is not reverted; journal, lock and resume as apply.
 */
export function register(program: Command, ctx: CliContext): void {
  const command = program
    .command('rollback')
    .description('undo an apply: restore the before values recorded in PLAN.rollback.json (a referral edited since is reported, not reverted)')
    .argument('<rollback>', 'the rollback file an apply wrote (PLAN.rollback.json)')
    .option('-y, --yes', 'do not ask for confirmation (also --auto-approve)')
    .option('--rebase', 'restore an entry even if the referral changed since the apply, when none of the fields it restores changed')
    .option('--json', 'print the summary as JSON')
    .option('--html <file>', 'also write a self-contained HTML report of the results');
  addConnectionOptions(command)
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  $ refplan show changes.plan.rollback.json',
        '  $ refplan rollback changes.plan.rollback.json --yes --json',
        '',
        'Journal, lock, results and resume work as for apply (PLAN.rollback.journal.jsonl, …); a finished',
        'rollback run again sends nothing and says "already restored" (exit 0).',
        'Exit codes: 0 all restored or unchanged, 4 conflicts (edited since the apply; not reverted),',
        '5 other failures, 3 invalid input (edited or truncated file; nothing sent), 6 disk full (free',
        'space and run the same command again), 1 operational error (usage, not a rollback file, its',
        'apply still running or unsettled, no confirmation, network, auth), 130 interrupted by Ctrl+C.',
      ].join('\n'),
    )
    .action(async (file: string, flags: ApplyFlags) => {
      const { runRollback } = await import('./rollback-action.js');
      await runRollback(ctx, file, flags);
    });
}
