import { escapeControls, jsonForTerminal } from '../../core/terminal-text.js';
import { exportReferrals } from '../../engine/export.js';
import { normaliseWhere } from '../../engine/where-selector.js';
import { plural } from '../../core/plural.js';
import { connectionFlags } from '../connection-options.js';
import type { CliContext } from '../context.js';
import { openClient } from '../open-client.js';
import { outputTarget, refuseTwoStdoutDocuments } from '../output-flag.js';
import { renderDiagnostic } from '../render-error.js';
import { createReadProgress } from '../views/read-progress.js';
import { parseWhereFlags } from '../where-flag.js';
import { DEFAULT_EXPORT_FILE, type ExportFlags } from './export.js';

/** The work of `refplan export`, loaded only when the command runs (export.ts declares it). */
export async function runExport(ctx: CliContext, flags: ExportFlags): Promise<void> {
  const { io } = ctx;
  const target = outputTarget(io.cwd, flags.output, DEFAULT_EXPORT_FILE);
  refuseTwoStdoutDocuments(target, flags.json, 'export');
  const normalised = normaliseWhere(parseWhereFlags(flags.where ?? []));
  // Every flag is checked (the connection flags by opening the client) before anything is printed.
  const { client, baseUrl } = openClient(connectionFlags(flags), io.env);
  for (const d of normalised.diagnostics) io.stderr.write(renderDiagnostic(d, ctx.passedFlags) + '\n');
  const progress = createReadProgress(io.stderr, { label: 'export', quiet: ctx.quiet === true });
  let result;
  try {
    result = await exportReferrals({
      client,
      baseUrl,
      where: normalised.tests,
      output: target.stdout ? '-' : target.path,
      ...(target.stdout ? { sink: (bytes: Buffer) => new Promise<void>((done) => io.stdout.write(bytes, () => done())) } : {}),
      onEvent: (e) => progress.update({ requests: e.pages, read: e.read, matched: e.matched, ...(e.total === undefined ? {} : { total: e.total }) }),
      ...(flags.format === undefined ? {} : { format: flags.format }),
      ...(flags.delimiter === undefined ? {} : { delimiter: flags.delimiter === '\\t' ? '\t' : flags.delimiter }),
      ...(flags.locale === undefined ? {} : { locale: flags.locale }),
      ...(flags.protect === true ? { protect: true } : {}),
      ...(flags.columns === undefined ? {} : { columns: flags.columns.split(',') }),
    });
  } finally {
    progress.finish();
    await client.close();
  }
  const summary = `${plural(result.referrals, 'referral')} (${result.format}, ${plural(result.readRequests, 'read request')})`;
  if (target.stdout) {
    if (ctx.quiet !== true) io.stderr.write(`Exported ${summary} to stdout. No baseline was written, so planning the file reads the referrals again.\n`);
  } else if (flags.json === true) {
    io.stdout.write(jsonForTerminal(result, 2) + '\n');
  } else {
    io.stdout.write(
      `Exported ${summary} to ${escapeControls(result.output)}.\n` +
        (result.baselinePath === undefined ? 'The workbook carries its baseline: planning it needs no reads.\n' : `Baseline for planning without reads: ${escapeControls(result.baselinePath)}\n`) +
        `Edit cells, then: refplan plan ${target.shown}\n`,
    );
  }
}
