import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { Diagnostic } from '../../core/diagnostics.js';
import { InvalidInputError, RefplanError, UsageError } from '../../core/errors.js';
import { ExitCode } from '../../core/exit-codes.js';
import type { CliContext } from '../context.js';
import { addConnectionOptions, connectionFlags, openClient } from '../connection-options.js';
import { addCsvOptions, csvOptionsFrom } from '../csv-options.js';
import { renderDiagnosticHuman } from '../views/diagnostics-view.js';
import { colorEnabled } from '../views/plan-view.js';
import { createPlanView } from '../views/plan-view.js';

export const DEFAULT_PLAN_FILE = 'refplan.plan.json';

interface PlanFlags {
  output?: string;
  skipInvalid?: boolean;
  maxChanges?: number;
  detailedExitcode?: boolean;
  json?: boolean;
  limit?: number;
  showPii?: boolean;
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

function renderAll(diagnostics: readonly Diagnostic[], color: boolean): string {
  return diagnostics.map((d) => renderDiagnosticHuman(d, { color }) + '\n').join('');
}

export function register(program: Command, ctx: CliContext): void {
  const command = program
    .command('plan')
    .description('read the referrals a change set selects and write a plan file (nothing is written to the API)')
    .argument('<files...>', 'change sets: YAML or CSV (a CSV exported by `refplan export` plans without reads)')
    .option('-o, --output <plan>', `plan file to write (default: ./${DEFAULT_PLAN_FILE})`)
    .option('--skip-invalid', 'plan the valid changes anyway; list the rejected rows in PLAN.rejects.csv')
    .option('--max-changes <n>', 'refuse a plan that would change more than N referrals', wholeNumber('--max-changes', 0))
    .option('--detailed-exitcode', 'exit 0 when the plan has no changes, 2 when it has changes (3 invalid, 1 error)')
    .option('--json', 'print the plan document instead of the summary')
    .option('--limit <n>', 'referral diffs shown in the summary (default 50)', wholeNumber('--limit', 0))
    .option('--show-pii', 'show customer contact details (masked by default)')
    .addHelpText(
      'after',
      '\nAny invalid change means no plan file and exit 3 (unless --skip-invalid). Exit codes: 0 planned' +
        ' (with --detailed-exitcode: 0 no changes, 2 changes), 3 invalid input (nothing written to the API), 1 operational error.',
    );
  addCsvOptions(command);
  addConnectionOptions(command);
  command.action(async (files: string[], flags: PlanFlags) => {
    const { io } = ctx;
    const output = resolve(io.cwd, flags.output ?? DEFAULT_PLAN_FILE);
    const { client, baseUrl } = openClient(connectionFlags(flags), io.env);
    let result;
    try {
      result = await createPlanLazily({
        files,
        client,
        baseUrl,
        output,
        skipInvalid: flags.skipInvalid === true,
        ...(flags.maxChanges === undefined ? {} : { maxChanges: flags.maxChanges }),
        csv: { ...csvOptionsFrom(flags), cwd: io.cwd },
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
    });
    view.plan(result.plan);
    const where = json ? io.stderr : io.stdout;
    where.write(
      `Plan written to ${result.planPath ?? output}: ${result.plan.entries.length} referral(s) to change, ${result.readRequests} read request(s).\n`,
    );
    if (result.rejectsPath !== undefined) {
      io.stderr.write(`${result.rejected.length} change(s) rejected and left out of the plan; see ${result.rejectsPath}\n`);
    }
    if (flags.detailedExitcode === true) ctx.exitCode = result.plan.entries.length > 0 ? ExitCode.changesPending : ExitCode.ok;
  });
}

// The engine (and its dependencies) load only when the command runs.
async function createPlanLazily(options: import('../../engine/plan.js').CreatePlanOptions) {
  const { createPlan } = await import('../../engine/plan.js');
  return createPlan(options);
}
