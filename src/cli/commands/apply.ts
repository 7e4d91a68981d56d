import { extname, basename, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { createClient } from '../../api/client.js';
import { resolveClientConfig } from '../../api/config.js';
import { InvalidInputError, UsageError } from '../../core/errors.js';
import type { Plan } from '../../core/plan.js';
import { readPlan } from '../../files/plan-file.js';
import type { CliContext } from '../context.js';
import { PlanHumanView } from '../views/plan-view.js';
import { addClientFlags, confirm, runApply, type ApplyFlags } from './run-apply.js';

/**
 * `refplan apply PLAN` runs a saved (reviewed) plan without asking.
 * `refplan apply CHANGESET...` plans first, shows the summary, and asks.
 */
export function register(program: Command, ctx: CliContext): void {
  const command = program
    .command('apply')
    .description('Apply a saved plan (or plan and apply change-set files after confirmation), with If-Match, journal and rollback file')
    .argument('<files...>', 'a plan file (PLAN.json), or YAML/CSV change-set files to plan and apply')
    .option('--rebase', 'when a referral changed since the plan but none of the fields an entry touches did, apply the entry on the new version')
    .option('--json', 'print the summary as JSON')
    .option('--html <FILE>', 'also write a self-contained HTML report of the results')
    .option('--yes', 'do not ask for confirmation when applying change-set files');
  addClientFlags(command)
    .addHelpText(
      'after',
      '\nOutcomes per entry: applied, unchanged, conflict, failed, skipped (PLAN.results.csv).\nExit codes: 0 all applied or unchanged, 4 conflicts (nothing overwritten), 5 other failures.\nRunning apply again resumes an interrupted run and retries only conflicts and failures.',
    )
    .action(async (files: string[], flags: ApplyFlags) => {
      const [first] = files;
      if (first === undefined) throw new UsageError('apply needs a plan file or change-set files');
      if (files.length === 1 && extname(first).toLowerCase() === '.json') {
        const plan = await readPlan(first);
        if (plan.kind === 'rollback') {
          ctx.io.stderr.write(`apply: ${first} is a rollback file; applying it undoes an earlier apply (same as refplan rollback --yes)\n`);
        }
        await runApply(ctx, plan, first, flags, 'apply');
        return;
      }
      const nonChangeSet = files.find((f) => !/\.(ya?ml|csv|tsv|txt)$/i.test(f));
      if (nonChangeSet !== undefined) {
        throw new UsageError(`${nonChangeSet}: apply takes one plan file (.json) or change-set files (.yaml, .yml, .csv)`);
      }
      const { plan, planPath } = await planChangeSets(ctx, files, flags);
      new PlanHumanView({ stdout: flags.json === true ? ctx.io.stderr : ctx.io.stdout, env: ctx.io.env }, { limit: 20 }).plan(plan);
      if (plan.entries.length === 0) {
        ctx.io.stdout.write('apply: nothing to change.\n');
        return;
      }
      await confirm(ctx, `Apply ${plan.entries.length} change${plan.entries.length === 1 ? '' : 's'} (plan saved as ${planPath})?`, flags.yes, 'Applying change-set files');
      await runApply(ctx, plan, planPath, flags, 'apply');
    });
}

async function planChangeSets(ctx: CliContext, files: string[], flags: ApplyFlags): Promise<{ plan: Plan; planPath: string }> {
  // The plan engine (and the change-set readers) load only when change sets are given.
  const { createPlan } = await import('../../engine/plan.js');
  const { tokenSource: _source, ...config } = resolveClientConfig({ flags, env: ctx.io.env });
  const client = createClient(config);
  const first = resolve(ctx.io.cwd, files[0]!);
  // The plan is saved next to the first change set, so journal, results and rollback go there too.
  const output = join(dirname(first), `${basename(first, extname(first))}.plan.json`);
  try {
    const result = await createPlan({ files, client, baseUrl: config.baseUrl, output, csv: { cwd: ctx.io.cwd } });
    if (result.plan === undefined) {
      throw new InvalidInputError(
        'the change sets did not produce a plan; nothing was sent',
        result.diagnostics.filter((d) => d.severity === 'error'),
        'Fix the rows named above (refplan validate FILES lists them), then run apply again.',
      );
    }
    return { plan: result.plan, planPath: result.planPath ?? output };
  } finally {
    await client.close();
  }
}
