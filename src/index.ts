// The public API for people who script refplan. Re-exports only.
export * from './core/diagnostics.js';
export * from './core/errors.js';
export * from './core/exit-codes.js';
export type * from './core/referral.js';
export type * from './core/changeset.js';
export * from './core/plan.js';
export * from './core/transitions.js';
export { loadTransitionTable, loadWritablePaths, loadReferralSchema, enumValues } from './schema/specs.js';
export type { WritablePath, WritablePaths } from './schema/specs.js';
export { runCli } from './cli/main.js';
export { validateChangeSets } from './engine/validate.js';
export type { ValidateOptions, ValidateResult, ValidateStats } from './engine/validate.js';
