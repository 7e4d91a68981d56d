import { Option, type Command } from 'commander';
import type { CliContext } from '../context.js';
import { addConnectionOptions } from '../connection-options.js';

/** Where `refplan export` writes without -o (plan and migrate have a default file too). */
export const DEFAULT_EXPORT_FILE = 'referrals.csv';

export interface ExportFlags {
  output?: string;
  where?: string[];
  format?: 'csv' | 'yaml' | 'xlsx';
  protect?: boolean;
  delimiter?: string;
  locale?: string;
  columns?: string;
  json?: boolean;
  [key: string]: unknown;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function register(program: Command, ctx: CliContext): void {
  const command = program
    .command('export')
    .description('write current referrals as an editable change set (an Excel workbook, CSV or YAML) plus a baseline for plan')
    .option('-o, --output <file>', `file to write: .xlsx (a workbook that carries its own baseline), .csv or .yaml/.yml (with a FILE.refplan-baseline.json next to these); - for stdout (default: ./${DEFAULT_EXPORT_FILE})`)
    .option(
      '--where <expr>',
      "select referrals (repeatable, ANDed): FIELD=VALUE, FIELD!=VALUE, FIELD<VALUE (<= > >=), FIELD=A|B (one of), FIELD~TEXT (contains), FIELD^=TEXT (starts with); e.g. --where status=Active --where 'name~Contoso'",
      collect,
    )
    .addOption(new Option('--format <format>', 'output format (default: from the file extension)').choices(['csv', 'yaml', 'xlsx']))
    .option('--delimiter <char>', 'CSV delimiter: "," (default), ";" (Excel in decimal-comma locales), or "\\t" (tab)')
    .option('--locale <tag>', "write numbers with this locale's decimal separator, as its Excel expects (e.g. nl-NL: 1234,5; needs --delimiter ';')")
    .option('--protect', 'workbooks: protect the Referrals sheet (pins and context cells locked); Excel then cannot sort it, so it is off by default')
    .option(
      '--columns <list>',
      'columns besides id and eTag, in order, comma-separated: read-only context (customerName, country, city, createdDateTime, expirationDateTime, type, direction, teamSize), fields (name, dealValue, notes, …), addTeamMember (default: all)',
    )
    .option('--json', 'print the result as JSON')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  $ refplan export --where status=Active -o pipeline.xlsx',
        '  $ refplan export --where status=Active -o referrals.csv',
        "  $ refplan export --where 'substatus=Pending|Received' --delimiter ';'",
        "  $ refplan export --delimiter ';' --locale nl-NL -o pijplijn.csv  # 1234,5",
        '  $ refplan export -o referrals.yaml',
        '  $ refplan export --columns customerName,country,status,dealValue -o deals.csv',
        '  $ refplan export --format yaml -o - | less',
        '',
        'The file and its baseline hold customer data: both are written with mode 0600; CSV cells that',
        'start with = + - @ are prefixed with \' so a spreadsheet does not run them.',
        'Columns marked "(read-only)" are context: plan refuses an edited one. Emptying a cell that had a',
        'value clears the field when it can be cleared (notes, statusReason, closingDateTime, externalReferenceId).',
        'Exit codes: 0 exported, 3 invalid --where, 1 operational error (usage, network, auth, server, write).',
      ].join('\n'),
    );
  addConnectionOptions(command);
  command.action(async (flags: ExportFlags) => {
    const { runExport } = await import('./export-action.js');
    await runExport(ctx, flags);
  });
}
