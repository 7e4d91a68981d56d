import { escapeControls } from '../../core/terminal-text.js';
import { dirname } from 'node:path';
import type { Diagnostic } from '../../core/diagnostics.js';
import type { PassedFlags } from '../../core/hint-flags.js';
import { InvalidInputError, RefplanError, UsageError } from '../../core/errors.js';
import { nounFor, plural } from '../../core/plural.js';
import { ExitCode } from '../../core/exit-codes.js';
import { createPlan } from '../../engine/plan.js';
import { connectionFlags } from '../connection-options.js';
import type { CliContext } from '../context.js';
import { csvOptionsFrom } from '../csv-options.js';
import { openClient } from '../open-client.js';
import { renderDiagnosticHuman } from '../views/diagnostics-view.js';
import { outputTarget } from '../output-flag.js';
import { colorEnabled } from '../terminal.js';
import { createPlanView, renderPlanJson } from '../views/plan-view.js';
import { createReadProgress } from '../views/read-progress.js';
import { DEFAULT_PLAN_FILE, type PlanFlags } from './plan.js';

/** `quiet` (-q): errors and warnings only, no notes. */
function renderAll(diagnostics: readonly Diagnostic[], color: boolean, passed: PassedFlags = new Map(), quiet = false): string {
  return diagnostics.filter((d) => !quiet || d.severity !== 'info').map((d) => renderDiagnosticHuman(d, { color, passed }) + '\n').join('');
}

/** The work of `refplan plan`, loaded only when the command runs (plan.ts declares it). */
export async function runPlan(ctx: CliContext, files: string[], flags: PlanFlags): Promise<void> {
  const { io } = ctx;
  const target = outputTarget(io.cwd, flags.output, DEFAULT_PLAN_FILE);
  if (target.stdout && flags.skipInvalid === true) {
    throw new UsageError('--skip-invalid writes PLAN.rejects.csv next to the plan file, and -o - writes no file', 'give -o a file name, e.g. -o changes.plan.json');
  }
  const { client, baseUrl } = openClient(connectionFlags(flags), io.env);
  const progress = createReadProgress(io.stderr, { label: 'plan', quiet: ctx.quiet === true });
  let result;
  try {
    result = await createPlan({
      files,
      client,
      baseUrl,
      ...(target.stdout ? {} : { output: target.path }),
      skipInvalid: flags.skipInvalid === true,
      refresh: flags.refresh === true,
      ...(flags.maxChanges === undefined ? {} : { maxChanges: flags.maxChanges }),
      csv: { ...csvOptionsFrom(flags), cwd: io.cwd },
      onEvent: (e) => progress.update({ requests: e.requests, read: e.referrals, ...(e.total === undefined ? {} : { total: e.total }) }),
      ...(flags.message === undefined ? {} : { message: flags.message }),
    });
  } finally {
    progress.finish();
    await client.close();
  }
  const json = flags.json === true;
  const color = colorEnabled(io.stderr, io.env);
  if (result.plan === undefined) {
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    const message = `no plan written: ${plural(errors.length, 'problem')} in the change set${result.readRequests > 0 ? ` (after ${plural(result.readRequests, 'read request')}; nothing was written)` : ' (nothing was read from the API)'}`;
    // --skip-invalid cannot help a plan refused as a whole (--max-changes): its own fix says what can.
    const wholePlan = errors.length > 0 && errors.every((d) => d.code === 'max-changes-exceeded');
    const hint = wholePlan
      ? 'the plan as a whole was refused; see the fix above'
      : result.brokenFiles !== undefined
        ? `--skip-invalid skips invalid rows, not broken files: ${nounFor(result.brokenFiles.length, 'the file', 'the files')} above cannot be read, so fix ${nounFor(result.brokenFiles.length, 'it', 'them')} where ${nounFor(errors.length, 'the error says', 'the errors say')} and plan again`
        : 'fix the rows named above, or use --skip-invalid to plan the valid changes and list the rest in a rejects CSV';
    // --json: the diagnostics travel in the JSON error; otherwise they are listed here, once.
    if (json) throw new InvalidInputError(message, result.diagnostics, hint);
    io.stderr.write(renderAll(result.diagnostics, color, ctx.passedFlags, ctx.quiet === true));
    throw new RefplanError('plan-refused', message, { exitCode: ExitCode.invalidInput, hint });
  }
  io.stderr.write(renderAll(result.diagnostics, color, ctx.passedFlags, ctx.quiet === true));
  const changes = plural(result.plan.entries.length, 'referral');
  const reads = plural(result.readRequests, 'read request');
  if (flags.detailedExitcode === true) ctx.exitCode = result.plan.entries.length > 0 ? ExitCode.changesPending : ExitCode.ok;
  if (target.stdout) {
    // -o -: stdout is the plan document (apply it after saving it: `> changes.plan.json`).
    io.stdout.write(renderPlanJson(result.plan));
    if (ctx.quiet !== true) io.stderr.write(`Plan printed to stdout: ${changes} to change, ${reads}.\n`);
    return;
  }
  const view = createPlanView(json, { stdout: io.stdout, env: io.env }, {
    ...(flags.limit === undefined ? {} : { limit: flags.limit }),
    ...(flags.showPii === true ? { showPii: true } : {}),
    ...(flags.verbose === true ? { verbose: true } : {}),
    ...(ctx.passedFlags === undefined ? {} : { passed: ctx.passedFlags }),
  });
  view.plan(result.plan);
  const where = json ? io.stderr : io.stdout;
  where.write(`Plan written to ${result.planPath === undefined ? target.shown : escapeControls(result.planPath)}: ${changes} to change, ${reads}.\n`);
  if (result.archived !== undefined) {
    io.stderr.write(`The earlier run of this plan file is settled; its files were kept in ${escapeControls(dirname(result.archived[0] ?? '.'))}/\n`);
  }
  if (result.rejectsPath !== undefined) {
    io.stderr.write(`${plural(result.rejected.length, 'change')} rejected and left out of the plan; see ${escapeControls(result.rejectsPath)}\n`);
  }
}
