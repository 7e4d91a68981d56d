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
// API client (src/api/)
export { createClient } from './api/client.js';
export { resolveClientConfig, CLIENT_FLAGS, DEFAULT_BASE_URL } from './api/config.js';
export type { ClientFlags, ResolvedClientConfig } from './api/config.js';
export {
  ApiError,
  PreconditionFailedError,
  NotFoundError,
  RateLimitedError,
  AuthError,
  NetworkError,
  TimeoutError,
  parseErrorBody,
} from './api/errors.js';
export type { ParsedErrorBody } from './api/errors.js';
export { createStaticTokenProvider, createCommandTokenProvider, createAzureTokenProvider, PARTNER_CENTER_SCOPE } from './api/token.js';
export type { AzureAuthMode } from './api/token.js';
export { normaliseNextLink } from './api/urls.js';
export type {
  TokenProvider,
  ClientOptions,
  ClientEvent,
  ClientStats,
  ReferralsClient,
  ReferralPage,
  ListQuery,
  PatchOptions,
} from './api/types.js';
