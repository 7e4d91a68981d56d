import { resolve } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import { readPlan } from '../../files/plan-file.js';
import type { CliContext } from '../context.js';
import { writeHtmlReport } from '../views/plan-html.js';
import { DEFAULT_LIMIT } from '../views/plan-human.js';
import { createPlanView } from '../views/plan-view.js';

export interface ShowOptions {
  json?: boolean;
  limit?: number;
  referral?: string[];
  showPii?: boolean;
  html?: string;
}

/** `refplan show PLAN`: reprint a plan (or rollback file) after checking it is exactly as written. */
export function register(program: Command, ctx: CliContext): void {
  program
    .command('show')
    .description('Show a plan or rollback file: summary, irreversible changes, per-referral diffs (refuses an edited or truncated file)')
    .argument('<plan>', 'plan file written by `refplan plan` (or a rollback file written by `refplan apply`)')
    .option('--json', 'print the plan document itself (unmasked, whole)')
    .option('--limit <n>', `entries shown in full in the human view (default ${DEFAULT_LIMIT})`, parseLimit)
    .option('--referral <id>', 'show only this referral (repeatable)', (id: string, prev: string[] | undefined) => [...(prev ?? []), id])
    .option('--show-pii', 'show customer e-mail addresses and phone numbers unmasked')
    .option('--html <file>', 'also write a self-contained HTML report for reviewers (mode 0600)')
    .action(async (planPath: string, options: ShowOptions) => {
      await runShow(ctx, planPath, options);
    });
}

export async function runShow(ctx: CliContext, planPath: string, options: ShowOptions): Promise<void> {
  if (options.json === true && (options.limit !== undefined || options.referral !== undefined)) {
    throw new UsageError('--limit and --referral shape the human view; --json always prints the whole plan document', 'Drop --json, or filter the JSON yourself (e.g. with jq).');
  }
  const plan = await readPlan(resolve(ctx.io.cwd, planPath), { name: planPath });
  const wanted = options.referral ?? [];
  const missing = wanted.filter((id) => !plan.entries.some((e) => e.referralId === id) && !(plan.notRestorable ?? []).some((n) => n.referralId === id));
  if (missing.length > 0) {
    throw new UsageError(`${planPath} has no entry for referral ${missing.join(', ')} (it has ${plan.entries.length} entries)`, 'Check the id; `refplan show PLAN --json | jq ".entries[].referralId"` lists them.');
  }
  if (options.html !== undefined) {
    const target = resolve(ctx.io.cwd, options.html);
    await writeHtmlReport(target, { plan, showPii: options.showPii === true });
    ctx.io.stderr.write(`refplan: wrote HTML report ${options.html} (${plan.entries.length} entries${options.showPii === true ? ', contact details NOT masked' : ', contact details masked'})\n`);
  }
  const view = createPlanView(options.json === true, ctx.io, {
    showPii: options.showPii === true,
    ...(options.limit === undefined ? {} : { limit: options.limit }),
    ...(wanted.length === 0 ? {} : { referralIds: wanted }),
  });
  view.plan(plan);
}

function parseLimit(value: string): number {
  if (!/^\d+$/.test(value)) throw new UsageError(`--limit must be a whole number of entries, found ${JSON.stringify(value)}`, 'For example --limit 200, or --limit 0 for the summary only.');
  return Number(value);
}
