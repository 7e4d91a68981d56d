import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { register as registerValidate } from './validate.js';
import { register as registerPlan } from './plan.js';
import { register as registerShow } from './show.js';
import { register as registerExport } from './export.js';
import { register as registerApply } from './apply.js';
import { register as registerRollback } from './rollback.js';
import { register as registerMigrate } from './migrate.js';
import { register as registerProxy } from './proxy.js';
import { register as registerEmulator } from './emulator.js';
import { register as registerDemo } from './demo.js';

/** Commands in the order `refplan --help` lists them: the workflow order. */
export function registerCommands(program: Command, ctx: CliContext): void {
  registerValidate(program, ctx);
  registerPlan(program, ctx);
  registerShow(program, ctx);
  registerExport(program, ctx);
  registerApply(program, ctx);
  registerRollback(program, ctx);
  registerMigrate(program, ctx);
  registerProxy(program, ctx);
  registerEmulator(program, ctx);
  registerDemo(program, ctx);
}
