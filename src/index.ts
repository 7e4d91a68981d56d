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
// Migration off the legacy PUT (issue 6).
export { migrate } from './engine/migrate.js';
export type { MigrateOptions, MigrateResult, MigrationReport, MigrationFieldReport } from './engine/migrate.js';
export { startProxy } from './engine/proxy.js';
export type { ProxyOptions, ProxyRequestEvent, ProxyMode, RunningProxy } from './engine/proxy.js';
export { readLegacyBodies } from './files/read-legacy-bodies.js';
export type { LegacyBody, LegacyBodiesResult } from './files/read-legacy-bodies.js';
export { parseTolerantJson } from './core/tolerant-json.js';
export type { ParsedValue, TolerantParseResult } from './core/tolerant-json.js';
