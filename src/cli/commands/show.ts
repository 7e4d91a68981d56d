import type { Command } from 'commander';
import { RefplanError } from '../../core/errors.js';
import type { CliContext } from '../context.js';

// Placeholder until the command lands: registered so that --help lists the workflow.
export function register(program: Command, _ctx: CliContext): void {
  program
    .command('show')
    .description('(not yet available)')
    .action(() => {
      throw new RefplanError('not-implemented', 'refplan show is not available yet in this build');
    });
}
