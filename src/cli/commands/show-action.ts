import { resolve } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { readPlan } from '../../files/plan-file.js';
import type { CliContext } from '../context.js';
import { writeHtmlReport } from '../views/plan-html.js';
import { createPlanView } from '../views/plan-view.js';
import type { ShowOptions } from './show.js';

/** The work of `refplan show`, loaded only when the command runs (show.ts declares it). */
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
