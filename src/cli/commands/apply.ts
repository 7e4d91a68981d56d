import type { Command } from 'commander';
import { addConnectionOptions } from '../connection-options.js';
import type { CliContext } from '../context.js';
import type { ApplyFlags } from './run-apply.js';

/**
 * `refplan apply PLAN` runs a saved (reviewed) plan without asking.
 * `refplan apply CHANGESET...` plans first, shows the summary, and asks.
 */
export function register(program: Command, ctx: CliContext): void {
  const command = program
    .command('apply')
    .description('apply a saved plan (or plan and apply change-set files after confirmation), with If-Match, journal and rollback file')
    .argument('<files...>', 'a plan file (PLAN.json), or YAML/CSV change-set files to plan and apply')
    .option('--rebase', 'when a referral changed since the plan but none of the fields an entry touches did, apply the entry on the new version')
    .option('--json', 'print the summary as JSON')
    .option('--html <file>', 'also write a self-contained HTML report of the results')
    .option('-y, --yes', 'do not ask for confirmation when applying change-set files (also --auto-approve)');
  addConnectionOptions(command)
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  $ refplan apply changes.plan.json',
        '  $ refplan apply changes.plan.json --rebase --rate 20 --json --html r.html',
        '  $ refplan apply changes.yaml --yes',
        '',
        'Writes PLAN.journal.jsonl, PLAN.rollback.json and PLAN.results.csv next to the plan (mode 0600).',
        'Outcomes per entry: applied, unchanged, conflict, failed, skipped (PLAN.results.csv).',
        'Running apply again resumes an interrupted run and retries only conflicts and failures;',
        'on a finished run it sends nothing and says "already applied" (exit 0).',
        'Exit codes: 0 all applied or unchanged, 4 conflicts (nothing overwritten), 5 other failures,',
        '3 invalid input (edited plan, invalid change set, journal of another plan; nothing sent),',
        '6 disk full, over quota or failing (stopped at once; free space and run the same command again),',
        '130 interrupted by Ctrl+C (nothing more sent; run the same command to continue),',
        '1 operational error (usage, no confirmation, network, auth).',
      ].join('\n'),
    )
    .action(async (files: string[], flags: ApplyFlags) => {
      const { runApplyCommand } = await import('./apply-action.js');
      await runApplyCommand(ctx, files, flags);
    });
}
