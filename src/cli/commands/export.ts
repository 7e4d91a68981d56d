import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import type { CliContext } from '../context.js';
import { addConnectionOptions, connectionFlags, openClient } from '../connection-options.js';
import { renderDiagnostic } from '../render-error.js';
import { parseWhereFlags } from '../where-flag.js';
import { normaliseWhere } from '../../engine/where-selector.js';

interface ExportFlags {
  output: string;
  where?: string[];
  format?: 'csv' | 'yaml';
  delimiter?: string;
  json?: boolean;
  [key: string]: unknown;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function register(program: Command, ctx: CliContext): void {
  const command = program
    .command('export')
    .description('write current referrals as an editable change set (CSV for Excel, or YAML) plus a baseline for plan')
    .requiredOption('-o, --output <file>', 'file to write: .csv (default format) or .yaml/.yml; a FILE.refplan-baseline.json is written next to it')
    .option(
      '--where <expr>',
      "select referrals (repeatable, ANDed): FIELD=VALUE, FIELD!=VALUE, FIELD<VALUE (<= > >=), FIELD=A|B (one of); e.g. --where status=Active --where 'closingDateTime<2026-01-01'",
      collect,
    )
    .addOption(new Option('--format <format>', 'output format (default: from the file extension)').choices(['csv', 'yaml']))
    .option('--delimiter <c>', 'CSV delimiter: "," (default), ";" (Excel in decimal-comma locales), or "\\t" (tab)')
    .option('--json', 'print the result as JSON');
  addConnectionOptions(command);
  command.action(async (flags: ExportFlags) => {
    const { io } = ctx;
    const normalised = normaliseWhere(parseWhereFlags(flags.where ?? []));
    for (const d of normalised.diagnostics) io.stderr.write(renderDiagnostic(d) + '\n');
    const { client, baseUrl } = openClient(connectionFlags(flags), io.env);
    const { exportReferrals } = await import('../../engine/export.js');
    let result;
    try {
      result = await exportReferrals({
        client,
        baseUrl,
        where: normalised.tests,
        output: resolve(io.cwd, flags.output),
        ...(flags.format === undefined ? {} : { format: flags.format }),
        ...(flags.delimiter === undefined ? {} : { delimiter: flags.delimiter === '\\t' ? '\t' : flags.delimiter }),
      });
    } finally {
      await client.close();
    }
    if (flags.json === true) {
      io.stdout.write(JSON.stringify(result, null, 2) + '\n');
    } else {
      io.stdout.write(
        `Exported ${result.referrals} referral(s) to ${result.output} (${result.format}, ${result.readRequests} read request(s)).\n` +
          `Baseline for planning without reads: ${result.baselinePath}\n` +
          `Edit cells, then: refplan plan ${flags.output}\n`,
      );
    }
  });
}
