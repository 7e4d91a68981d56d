// The emulator's public surface (re-exports only).
export { startEmulator } from './server.js';
export type { EmulatorOptions, EmulatorHandle } from './server.js';
export type { EmulatorStats } from './store.js';
export { ReferralStore } from './store.js';
export { createHandler } from './handler.js';
export type { EmulatorHandler, HandlerOptions } from './handler.js';
export type { EmulatorRequest, EmulatorResponse } from './http-types.js';
export { generateReferrals } from './generate.js';
export { applyJsonPatch } from './apply-patch.js';
export { compileFilter } from './odata-filter.js';
export { RateLimitPolicy, parseRateSchedule } from './rate-limit.js';
export type { RateLimitOptions, RateLimitHeaderStyle, RateStep, RetryAfterMode, ThrottleVerdict } from './rate-limit.js';
export { createLimiter } from './limiter-shapes.js';
export type { Limiter, LimiterShape, LimiterVerdict, LimiterOptions } from './limiter-shapes.js';
