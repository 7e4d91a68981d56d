import { plural } from '../../core/plural.js';
import { hasErrors } from '../../core/diagnostics.js';
import { InvalidInputError } from '../../core/errors.js';
import { ExitCode } from '../../core/exit-codes.js';
import { migrate } from '../../engine/migrate.js';
import { sealPlan, writePlan } from '../../files/plan-file.js';
import { loadTransitionTable, loadWritablePaths } from '../../schema/specs.js';
import { connectionFlags } from '../connection-options.js';
import type { CliContext } from '../context.js';
import { openClient } from '../open-client.js';
import { renderMigrationHuman, renderMigrationJson } from '../views/migration-report.js';
import { outputTarget, refuseTwoStdoutDocuments } from '../output-flag.js';
import { renderPlanJson } from '../views/plan-view.js';
import { DEFAULT_MIGRATION_FILE, type MigrateCommandOptions } from './migrate.js';

/** The work of `refplan migrate`, loaded only when the command runs (migrate.ts declares it). */
export async function runMigrate(ctx: CliContext, paths: string[], opts: MigrateCommandOptions): Promise<void> {
  const target = outputTarget(ctx.io.cwd, opts.output, DEFAULT_MIGRATION_FILE);
  refuseTwoStdoutDocuments(target, opts.json, 'migrate');
  const { client, baseUrl } = openClient(connectionFlags(opts), ctx.io.env);
  try {
    const result = await migrate({
      files: paths,
      client,
      ...(opts.baseline === undefined ? {} : { baselineDir: opts.baseline }),
      writablePaths: loadWritablePaths(),
      table: loadTransitionTable(),
      now: new Date(),
      baseUrl,
      skipConflicts: opts.skipConflicts === true,
    });
    if (result.plan === undefined || hasErrors(result.diagnostics)) {
      const errors = result.diagnostics.filter((d) => d.severity === 'error');
      throw new InvalidInputError(
        `${errors.length === 1 ? 'a problem' : plural(errors.length, 'problem')} in the legacy bodies; no plan was written and nothing was sent`,
        result.diagnostics,
        result.report.conflicts.length > 0 ? 'conflicts: fields changed by the client and on the server since the baseline; see each message' : undefined,
      );
    }
    if (target.stdout) {
      // -o -: stdout is the plan document; the report goes to stderr.
      const plan = sealPlan(result.plan);
      ctx.io.stdout.write(renderPlanJson(plan));
      if (ctx.quiet !== true) ctx.io.stderr.write(renderMigrationHuman({ report: result.report, diagnostics: result.diagnostics, plan }, ctx.passedFlags));
    } else {
      const plan = await writePlan(target.path, result.plan);
      const v = { report: result.report, diagnostics: result.diagnostics, plan, planPath: target.shown };
      if (opts.json === true) ctx.io.stdout.write(renderMigrationJson(v, ctx.passedFlags));
      else ctx.io.stdout.write(renderMigrationHuman(v, ctx.passedFlags));
    }
    ctx.exitCode = result.report.conflicts.length > 0 ? ExitCode.conflicts : ExitCode.ok;
  } finally {
    await client.close();
  }
}
