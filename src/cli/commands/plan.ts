import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { checkPlanMessage } from '../../core/plan-purpose.js';
import type { CliContext } from '../context.js';
import { addConnectionOptions } from '../connection-options.js';
import { addCsvOptions } from '../csv-options.js';
import { DEFAULT_LIMIT } from '../views/plan-limit.js';

export const DEFAULT_PLAN_FILE = 'refplan.plan.json';

export interface PlanFlags {
  output?: string;
  skipInvalid?: boolean;
  maxChanges?: number;
  detailedExitcode?: boolean;
  json?: boolean;
  limit?: number;
  showPii?: boolean;
  refresh?: boolean;
  message?: string;
  verbose?: boolean;
  [key: string]: unknown;
}

function wholeNumber(flag: string, min: number): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < min) {
      throw new UsageError(`${flag} needs a whole number ≥ ${min}, got ${JSON.stringify(value)}`, `e.g. ${flag} 100`);
    }
    return n;
  };
}

function parseMessage(value: string): string {
  const check = checkPlanMessage(value);
  if (!check.ok) throw new UsageError(check.problem, 'e.g. --message "Close the Q3 deals lost to competitors"');
  return check.message;
}

export function register(program: Command, ctx: CliContext): void {
  const command = program
    .command('plan')
    .description('read the referrals a change set selects and write a plan file (nothing is written to the API)')
    .argument('<files...>', 'change sets: YAML or CSV (a CSV exported by `refplan export` plans without reads)')
    .option('-o, --output <file>', `plan file to write; - for stdout (default: ./${DEFAULT_PLAN_FILE})`)
    .option('-m, --message <text>', 'why this plan exists, recorded in it: the title of show, the Markdown summary and the HTML report', parseMessage)
    .option('--skip-invalid', 'plan the valid changes anyway; list the rejected rows in PLAN.rejects.csv')
    .option('--refresh', 'rows of an export: re-read every referral instead of trusting the export baseline (edits are rebased on the current values)')
    .option('--max-changes <n>', 'refuse a plan that would change more than N referrals', wholeNumber('--max-changes', 0))
    .option('--detailed-exitcode', 'exit 0 when the plan has no changes, 2 when it has changes (3 invalid, 1 error)')
    .option('--json', 'print the plan document instead of the summary')
    .option('--limit <n>', `referral diffs shown in the summary (default ${DEFAULT_LIMIT})`, wholeNumber('--limit', 0))
    .option('--show-pii', 'show customer contact details (masked by default)')
    .option('--verbose', "also show each entry's eTag and the inputs' full SHA-256")
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  $ refplan plan changes.yaml -o changes.plan.json -m "Close Q3 deals lost"',
        '  $ refplan plan referrals.csv --skip-invalid --max-changes 500',
        '  $ refplan plan changes.yaml --detailed-exitcode --json > plan.json',
        '',
        'Any invalid change means no plan file and exit 3 (unless --skip-invalid).',
        'Exit codes: 0 planned (with --detailed-exitcode: 0 no changes, 2 changes), 3 invalid input',
        '(nothing written to the API), 1 operational error (usage, network, auth, server).',
        'Token: REFPLAN_TOKEN, --token-command or --auth; API: --base-url or REFPLAN_BASE_URL.',
      ].join('\n'),
    );
  addCsvOptions(command);
  addConnectionOptions(command);
  command.action(async (files: string[], flags: PlanFlags) => {
    const { runPlan } = await import('./plan-action.js');
    await runPlan(ctx, files, flags);
  });
}
