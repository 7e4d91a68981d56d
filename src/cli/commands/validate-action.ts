import { ExitCode } from '../../core/exit-codes.js';
import { validateChangeSets } from '../../engine/validate.js';
import type { CliContext } from '../context.js';
import { colorEnabled } from '../terminal.js';
import { renderDiagnosticsHuman, renderDiagnosticsJson } from '../views/diagnostics-view.js';
import type { ValidateCommandOptions } from './validate.js';

/** The work of `refplan validate`, loaded only when the command runs (validate.ts declares it). */
export async function runValidate(ctx: CliContext, files: string[], opts: ValidateCommandOptions): Promise<void> {
  // --delimiter and --encoding were checked (and normalised) while the command line was parsed.
  const { delimiter } = opts;
  const result = await validateChangeSets(files, {
    collect: false,
    countExportEdits: true,
    cwd: ctx.io.cwd,
    ...(delimiter === undefined ? {} : { delimiter }),
    ...(opts.encoding === undefined ? {} : { encoding: opts.encoding }),
    ...(opts.locale === undefined ? {} : { locale: opts.locale }),
    ...(opts.dateFormat === undefined ? {} : { dateFormat: opts.dateFormat }),
    ...(opts.sheet === undefined ? {} : { sheet: opts.sheet }),
  });
  const color = colorEnabled(ctx.io.stdout, ctx.io.env);
  const passed = ctx.passedFlags ?? new Map();
  ctx.io.stdout.write(opts.json === true ? renderDiagnosticsJson(result.diagnostics, result.stats, passed) : renderDiagnosticsHuman(result.diagnostics, result.stats, { color, passed, notes: ctx.quiet !== true }));
  ctx.exitCode = result.stats.errors > 0 ? ExitCode.invalidInput : ExitCode.ok;
}
