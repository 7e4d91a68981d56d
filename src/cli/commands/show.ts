import { Option, type Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import type { CliContext } from '../context.js';
import { DEFAULT_LIMIT } from '../views/plan-limit.js';

export const SHOW_FORMATS = ['human', 'json', 'table', 'csv', 'markdown'] as const;
export type ShowFormat = (typeof SHOW_FORMATS)[number];

export interface ShowOptions {
  json?: boolean;
  format?: ShowFormat;
  output?: string;
  limit?: number;
  referral?: string[];
  showPii?: boolean;
  html?: string;
  verbose?: boolean;
}

/** `refplan show PLAN`: reprint a plan (or rollback file) after checking it is exactly as written. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('show')
    .description('show a plan or rollback file: summary, irreversible changes, per-referral diffs (refuses an edited or truncated file)')
    .argument('<plan>', 'plan file written by `refplan plan` (or a rollback file written by `refplan apply`)')
    .addOption(new Option('--format <format>', 'human (default), json, table (one line per referral), csv (for Excel), markdown (PR comment, CI summary)').choices([...SHOW_FORMATS]))
    .option('--json', 'print the plan document itself (unmasked, whole); same as --format json')
    .option('-o, --output <file>', 'write the view to FILE (mode 0600) instead of stdout; - for stdout')
    .option('--limit <n>', `entries shown: human and markdown default to ${DEFAULT_LIMIT}, table and csv to all`, parseLimit)
    .option('--referral <id>', 'show only this referral (repeatable)', (id: string, prev: string[] | undefined) => [...(prev ?? []), id])
    .option('--show-pii', 'show customer e-mail addresses and phone numbers unmasked')
    .option('--verbose', 'also show each entry\'s eTag and the inputs\' full SHA-256')
    .option('--html <file>', 'also write a self-contained HTML report for reviewers (mode 0600)')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  $ refplan show changes.plan.json --limit 200',
        '  $ refplan show plan.json --referral 4111fffc-f9ee-4d53-bba6-569135228642',
        '  $ refplan show changes.plan.json --format table | grep Closed',
        '  $ refplan show changes.plan.json --format csv -o review.csv',
        '  $ refplan show changes.plan.json --format markdown >> "$GITHUB_STEP_SUMMARY"',
        '  $ refplan show changes.plan.json --html review.html',
        '',
        'Lines fit the terminal (COLUMNS, else the terminal width, else 80 columns).',
        'Nothing is sent to the API. Contact details are masked unless --show-pii.',
        'Exit codes: 0 shown, 3 not a plan, or edited, truncated or of another format version, 1 usage error.',
      ].join('\n'),
    )
    .action(async (planPath: string, options: ShowOptions) => {
      const { runShow } = await import('./show-action.js');
      await runShow(ctx, planPath, options);
    });
}

function parseLimit(value: string): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`--limit must be a whole number of entries, found ${JSON.stringify(value)}`, 'For example --limit 200, or --limit 0 for the summary only.');
  return Number(value);
}
