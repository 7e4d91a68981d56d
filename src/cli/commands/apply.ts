import type { Command } from 'commander';
import { RefplanError } from '../../core/errors.js';
import type { CliContext } from '../context.js';

// Placeholder until the command lands: registered so that --help lists the workflow.
export function register(program: Command, _ctx: CliContext): void {
  program
    .command('apply')
    .description('(not yet available)')
    .action(() => {
      throw new RefplanError('not-implemented', 'refplan apply is not available yet in this build');
    });
}
