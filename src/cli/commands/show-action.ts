import { escapeControls } from '../../core/terminal-text.js';
import { plural } from '../../core/plural.js';
import { resolve } from 'node:path';
import { UsageError } from '../../core/errors.js';
import { readPlan } from '../../files/plan-file.js';
import { writePrivateFileAtomic } from '../../files/private-file.js';
import type { CliContext } from '../context.js';
import { writeHtmlReport } from '../views/plan-html.js';
import { createPlanView, renderPlanAs, type PlanFormat } from '../views/plan-view.js';
import { terminalWidth } from '../views/text-fit.js';
import type { ShowOptions } from './show.js';

/** The work of `refplan show`, loaded only when the command runs (show.ts declares it). */
export async function runShow(ctx: CliContext, planPath: string, options: ShowOptions): Promise<void> {
  const format = chooseFormat(options);
  if (format === 'json' && (options.limit !== undefined || options.referral !== undefined)) {
    throw new UsageError('--limit and --referral shape the views; --json always prints the whole plan document', 'Drop --json, or filter the JSON yourself (e.g. with jq).');
  }
  const plan = await readPlan(resolve(ctx.io.cwd, planPath), { name: planPath });
  const wanted = options.referral ?? [];
  const missing = wanted.filter((id) => !plan.entries.some((e) => e.referralId === id) && !(plan.notRestorable ?? []).some((n) => n.referralId === id));
  if (missing.length > 0) {
    throw new UsageError(`${planPath} has no entry for referral ${missing.join(', ')} (it has ${plural(plan.entries.length, 'entry', 'entries')})`, 'Check the id; `refplan show PLAN --format table` lists them.');
  }
  if (options.html !== undefined) {
    const target = resolve(ctx.io.cwd, options.html);
    await writeHtmlReport(target, { plan, showPii: options.showPii === true });
    ctx.io.stderr.write(`refplan: wrote HTML report ${escapeControls(options.html)} (${plural(plan.entries.length, 'entry', 'entries')}${options.showPii === true ? ', contact details NOT masked' : ', contact details masked'})\n`);
  }
  const viewOptions = {
    showPii: options.showPii === true,
    verbose: options.verbose === true,
    ...(options.limit === undefined ? {} : { limit: options.limit }),
    ...(wanted.length === 0 ? {} : { referralIds: wanted }),
    ...(ctx.passedFlags === undefined ? {} : { passed: ctx.passedFlags }),
  };
  if (options.output !== undefined && options.output !== '-') {
    // A file is not a terminal: no colour, the width of COLUMNS or 80.
    const text = renderPlanAs(plan, format, { ...viewOptions, width: terminalWidth({}, ctx.io.env) });
    await writePrivateFileAtomic(resolve(ctx.io.cwd, options.output), text, { what: `${format} view` });
    ctx.io.stderr.write(`refplan: wrote ${format} view ${escapeControls(options.output)} (${plural(plan.entries.length, 'entry', 'entries')}${format === 'json' || options.showPii === true ? ', contact details NOT masked' : ', contact details masked'})\n`);
    return;
  }
  createPlanView(format, ctx.io, viewOptions).plan(plan);
}

function chooseFormat(options: ShowOptions): PlanFormat {
  if (options.json === true && options.format !== undefined && options.format !== 'json') {
    throw new UsageError(`--json and --format ${options.format} ask for two different outputs`, `Use one: --format ${options.format}, or --json.`);
  }
  return options.json === true ? 'json' : (options.format ?? 'human');
}
