import { dirname, resolve } from 'node:path';
import type { Diagnostic } from '../../core/diagnostics.js';
import { InvalidInputError, RefplanError } from '../../core/errors.js';
import { ExitCode } from '../../core/exit-codes.js';
import { createPlan } from '../../engine/plan.js';
import { connectionFlags } from '../connection-options.js';
import type { CliContext } from '../context.js';
import { csvOptionsFrom } from '../csv-options.js';
import { openClient } from '../open-client.js';
import { renderDiagnosticHuman } from '../views/diagnostics-view.js';
import { colorEnabled, createPlanView } from '../views/plan-view.js';
import { DEFAULT_PLAN_FILE, type PlanFlags } from './plan.js';

function renderAll(diagnostics: readonly Diagnostic[], color: boolean): string {
  return diagnostics.map((d) => renderDiagnosticHuman(d, { color }) + '\n').join('');
}

/** The work of `refplan plan`, loaded only when the command runs (plan.ts declares it). */
export async function runPlan(ctx: CliContext, files: string[], flags: PlanFlags): Promise<void> {
  const { io } = ctx;
  const output = resolve(io.cwd, flags.output ?? DEFAULT_PLAN_FILE);
  const { client, baseUrl } = openClient(connectionFlags(flags), io.env);
  let result;
  try {
    result = await createPlan({
      files,
      client,
      baseUrl,
      output,
      skipInvalid: flags.skipInvalid === true,
      refresh: flags.refresh === true,
      ...(flags.maxChanges === undefined ? {} : { maxChanges: flags.maxChanges }),
      csv: { ...csvOptionsFrom(flags), cwd: io.cwd },
      ...(flags.message === undefined ? {} : { message: flags.message }),
    });
  } finally {
    await client.close();
  }
  const json = flags.json === true;
  const color = colorEnabled(io.stderr, io.env);
  if (result.plan === undefined) {
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    const message = `no plan written: ${errors.length} problem${errors.length === 1 ? '' : 's'} in the change set${result.readRequests > 0 ? ` (after ${result.readRequests} read requests; nothing was written)` : ' (nothing was read from the API)'}`;
    const hint = 'fix the rows named above, or use --skip-invalid to plan the valid changes and list the rest in a rejects CSV';
    // --json: the diagnostics travel in the JSON error; otherwise they are listed here, once.
    if (json) throw new InvalidInputError(message, result.diagnostics, hint);
    io.stderr.write(renderAll(result.diagnostics, color));
    throw new RefplanError('plan-refused', message, { exitCode: ExitCode.invalidInput, hint });
  }
  io.stderr.write(renderAll(result.diagnostics, color));
  const view = createPlanView(json, { stdout: io.stdout, env: io.env }, {
    ...(flags.limit === undefined ? {} : { limit: flags.limit }),
    ...(flags.showPii === true ? { showPii: true } : {}),
    ...(flags.verbose === true ? { verbose: true } : {}),
  });
  view.plan(result.plan);
  const where = json ? io.stderr : io.stdout;
  where.write(
    `Plan written to ${result.planPath ?? output}: ${result.plan.entries.length} referral(s) to change, ${result.readRequests} read request(s).\n`,
  );
  if (result.archived !== undefined) {
    io.stderr.write(`The earlier run of this plan file is settled; its files were kept in ${dirname(result.archived[0] ?? output)}/\n`);
  }
  if (result.rejectsPath !== undefined) {
    io.stderr.write(`${result.rejected.length} change(s) rejected and left out of the plan; see ${result.rejectsPath}\n`);
  }
  if (flags.detailedExitcode === true) ctx.exitCode = result.plan.entries.length > 0 ? ExitCode.changesPending : ExitCode.ok;
}
