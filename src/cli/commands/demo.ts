import type { Command } from 'commander';
import type { CliContext } from '../context.js';

export function register(program: Command, ctx: CliContext): void {
  program
    .command('demo')
    .description('walk through export → edit → validate → plan → apply (with a conflict) → rollback → migrate against an embedded emulator')
    .option('--dir <folder>', 'where the demo writes its files (recreated)', '.refplan-demo')
    .option('--referrals <n>', 'referrals the embedded emulator generates (at least 20)', '300')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  $ refplan demo',
        '  $ refplan demo --dir /tmp/refplan-demo --referrals 1000',
        '',
        'Prints each command before running it; the emulator is stopped at the end.',
        'Exit codes: 0 the walk-through finished, 1 a step failed or a bad flag value.',
      ].join('\n'),
    )
    .action(async (flags: { dir: string; referrals: string }) => {
      const { runDemo } = await import('./demo-action.js');
      await runDemo(ctx, flags);
    });
}
