import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { parseDelimiter, parseEncoding } from '../csv-options.js';

/** Options of `refplan validate`, as commander parses them. */
export interface ValidateCommandOptions {
  json?: boolean;
  delimiter?: string;
  encoding?: string;
  locale?: string;
  dateFormat?: string;
  sheet?: string;
}

export function register(program: Command, ctx: CliContext): void {
  program
    .command('validate')
    .description('check change-set files (YAML, CSV or Excel workbooks) offline; nothing is sent')
    .argument('<files...>', 'change-set files: .yaml/.yml, .csv/.tsv/.txt or .xlsx')
    .option('--json', 'print machine-readable diagnostics')
    .option('--delimiter <char>', 'CSV delimiter: "," ";" or tab (default: detected from the header line)', parseDelimiter)
    .option('--encoding <name>', 'input encoding, e.g. utf-8, utf-16le, windows-1252 (default: detected)', parseEncoding)
    .option('--locale <tag>', 'locale of numbers, e.g. nl-NL for 12.500,50 (default: inferred from unambiguous values)')
    .option('--date-format <format>', 'date format such as DD-MM-YYYY or MM/DD/YYYY (default: ISO 8601)')
    .option('--sheet <name>', 'workbooks (.xlsx): the sheet to read (default: the first with a recognised header row)')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  $ refplan validate changes.yaml',
        '  $ refplan validate export.csv --locale nl-NL --date-format DD-MM-YYYY --json',
        '  $ refplan validate pipeline.xlsx',
        '',
        'Problems are listed on stdout, each with file, line/row, column and a fix.',
        'Exit codes: 0 valid, 3 invalid input (nothing was sent), 1 usage error (e.g. a bad flag value).',
      ].join('\n'),
    )
    .action(async (files: string[], opts: ValidateCommandOptions) => {
      const { runValidate } = await import('./validate-action.js');
      await runValidate(ctx, files, opts);
    });
}
