import { resolve } from 'node:path';
import { jsonForTerminal } from '../../core/terminal-text.js';
import { exportReferrals } from '../../engine/export.js';
import { normaliseWhere } from '../../engine/where-selector.js';
import { connectionFlags } from '../connection-options.js';
import type { CliContext } from '../context.js';
import { openClient } from '../open-client.js';
import { renderDiagnostic } from '../render-error.js';
import { parseWhereFlags } from '../where-flag.js';
import type { ExportFlags } from './export.js';

/** The work of `refplan export`, loaded only when the command runs (export.ts declares it). */
export async function runExport(ctx: CliContext, flags: ExportFlags): Promise<void> {
  const { io } = ctx;
  const normalised = normaliseWhere(parseWhereFlags(flags.where ?? []));
  // Every flag is checked (the connection flags by opening the client) before anything is printed.
  const { client, baseUrl } = openClient(connectionFlags(flags), io.env);
  for (const d of normalised.diagnostics) io.stderr.write(renderDiagnostic(d) + '\n');
  let result;
  try {
    result = await exportReferrals({
      client,
      baseUrl,
      where: normalised.tests,
      output: resolve(io.cwd, flags.output),
      ...(flags.format === undefined ? {} : { format: flags.format }),
      ...(flags.delimiter === undefined ? {} : { delimiter: flags.delimiter === '\\t' ? '\t' : flags.delimiter }),
      ...(flags.locale === undefined ? {} : { locale: flags.locale }),
      ...(flags.protect === true ? { protect: true } : {}),
      ...(flags.columns === undefined ? {} : { columns: flags.columns.split(',') }),
    });
  } finally {
    await client.close();
  }
  if (flags.json === true) {
    io.stdout.write(jsonForTerminal(result, 2) + '\n');
  } else {
    io.stdout.write(
      `Exported ${result.referrals} referral(s) to ${result.output} (${result.format}, ${result.readRequests} read request(s)).\n` +
        (result.baselinePath === undefined ? 'The workbook carries its baseline: planning it needs no reads.\n' : `Baseline for planning without reads: ${result.baselinePath}\n`) +
        `Edit cells, then: refplan plan ${flags.output}\n`,
    );
  }
}
