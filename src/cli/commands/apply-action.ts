import { escapeControls } from '../../core/terminal-text.js';
import { nounFor, plural } from '../../core/plural.js';
import { existsSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { InvalidInputError, UsageError } from '../../core/errors.js';
import type { Plan } from '../../core/plan.js';
import { createPlan } from '../../engine/plan.js';
import { journalPathFor, replayJournal } from '../../files/journal.js';
import { lockPathFor } from '../../files/lock-file.js';
import { readPlan } from '../../files/plan-file.js';
import { readPlanToApply } from '../../files/read-plan-to-apply.js';
import type { CliContext } from '../context.js';
import { openClient } from '../open-client.js';
import { PlanHumanView } from '../views/plan-view.js';
import { checkApplyFlags, confirm, runApply, type ApplyFlags } from './run-apply.js';

/** The work of `refplan apply`, loaded only when the command runs (apply.ts declares it). */
export async function runApplyCommand(ctx: CliContext, files: string[], flags: ApplyFlags): Promise<void> {
  const [first] = files;
  if (first === undefined) throw new UsageError('apply needs a plan file or change-set files');
  const planFile = files.length === 1 && extname(first).toLowerCase() === '.json';
  const nonChangeSet = planFile ? undefined : files.find((f) => !/\.(ya?ml|csv|tsv|txt)$/i.test(f));
  if (nonChangeSet !== undefined) {
    throw new UsageError(`${nonChangeSet}: apply takes one plan file (.json) or change-set files (.yaml, .yml, .csv)`);
  }
  // Arguments and flags first: a bad one is refused before any file is read or anything shown.
  checkApplyFlags(ctx, flags);
  if (planFile) {
    const plan = await readPlanToApply(first);
    if (plan.kind === 'rollback') {
      ctx.io.stderr.write(`apply: ${escapeControls(first)} is a rollback file; applying it undoes an earlier apply (same as refplan rollback --yes)\n`);
    }
    await runApply(ctx, plan, first, flags, 'apply');
    return;
  }
  const { plan, planPath } = await planChangeSets(ctx, files, flags);
  new PlanHumanView({ stdout: flags.json === true ? ctx.io.stderr : ctx.io.stdout, env: ctx.io.env }, { limit: 20 }).plan(plan);
  if (plan.entries.length === 0) {
    ctx.io.stdout.write('apply: nothing to change.\n');
    return;
  }
  await confirm(ctx, `Apply ${plural(plan.entries.length, 'change')} (plan saved as ${planPath})?`, flags.yes, 'Applying change-set files');
  await runApply(ctx, plan, planPath, flags, 'apply');
}

async function planChangeSets(ctx: CliContext, files: string[], flags: ApplyFlags): Promise<{ plan: Plan; planPath: string }> {
  const { client, baseUrl } = openClient(flags, ctx.io.env);
  const first = resolve(ctx.io.cwd, files[0]!);
  // The plan is saved next to the first change set, so journal, results and rollback go there too.
  const output = join(dirname(first), `${basename(first, extname(first))}.plan.json`);
  try {
    await refuseUnsettledEarlierRun(output);
    const result = await createPlan({ files, client, baseUrl, output, csv: { cwd: ctx.io.cwd } });
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

/**
 * Re-planning replaces the plan file an earlier apply of these change sets worked from. When that
 * run did not end cleanly (its lock is still there: killed, crashed or still running; or writes
 * are in flight or uncertain in its journal), the old plan is the only way to settle those writes
 * and complete their rollback file: overwriting it would leave them unsettled and the rollback
 * short. So refuse before anything is read or written, and say how to finish that run first.
 */
async function refuseUnsettledEarlierRun(planPath: string): Promise<void> {
  const journal = journalPathFor(planPath);
  if (!existsSync(planPath) || !existsSync(journal)) return;
  let unsettled: string | undefined;
  if (existsSync(lockPathFor(planPath))) {
    unsettled = 'its lock is still there (it was killed, or is still running)';
  } else {
    try {
      const earlier = await readPlan(planPath);
      const open = [...replayJournal(journal, earlier.checksum).entries.values()].filter((s) => s.inFlight || s.uncertain === true).length;
      if (open > 0) unsettled = `${plural(open, 'write')} ${nounFor(open, 'is', 'are')} not settled in its journal`;
    } catch {
      return; // not a readable plan with its own journal: nothing of an earlier run to keep
    }
  }
  if (unsettled === undefined) return;
  throw new UsageError(
    `an earlier apply of ${planPath} is not settled: ${unsettled}; planning again would replace the plan its journal and rollback file belong to`,
    `Run \`refplan apply ${planPath}\` first: it settles those writes (by reading the referrals) and completes the rollback file. Then apply the change sets again.`,
  );
}
