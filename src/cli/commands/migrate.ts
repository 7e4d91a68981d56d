import type { Command } from 'commander';
import { addConnectionOptions } from '../connection-options.js';
import type { CliContext } from '../context.js';

/** Where `refplan migrate` writes the plan without -o (plan and export have a default file too). */
export const DEFAULT_MIGRATION_FILE = 'migration.plan.json';

export interface MigrateCommandOptions {
  output?: string;
  baseline?: string;
  skipConflicts?: boolean;
  json?: boolean;
  [flag: string]: unknown;
}

export function register(program: Command, ctx: CliContext): void {
  const command = program
    .command('migrate')
    .description('turn legacy full-document PUT bodies into a plan of minimal PATCHes (show/apply/rollback it like any plan)')
    .argument('<paths...>', 'files or folders of captured PUT bodies: JSON, JSON arrays or NDJSON (*.json, *.ndjson, *.jsonl)')
    .option('-o, --output <file>', `plan file to write (mode 0600); - for stdout (default: ./${DEFAULT_MIGRATION_FILE})`)
    .option('--baseline <dir>', 'folder of <referral id>.json documents the legacy client last read: three-way merge')
    .option('--skip-conflicts', 'with --baseline: leave referrals with conflicting fields out of the plan (exit 4) instead of failing (exit 3)')
    .option('--json', 'print the migration report as JSON')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  $ refplan migrate captured-puts/ -o migration.plan.json',
        '  $ refplan migrate bodies.ndjson --baseline last-read/ -o m.plan.json --json',
        '  $ refplan show migration.plan.json && refplan apply migration.plan.json',
        '',
        'Reads each referral once; writes nothing to the API. The plan file is written with mode 0600.',
        'Exit codes: 0 planned, 4 conflicting referrals left out (--skip-conflicts), 3 invalid input',
        '(unreadable bodies, conflicts; no plan written, nothing sent), 1 operational error (usage, network,',
        'auth, write).',
      ].join('\n'),
    );
  addConnectionOptions(command).action(async (paths: string[], opts: MigrateCommandOptions) => {
    const { runMigrate } = await import('./migrate-action.js');
    await runMigrate(ctx, paths, opts);
  });
}
