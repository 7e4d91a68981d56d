import type { Plan } from '../core/plan.js';

/**
 * Which file bytes a plan object was read and fully checked from (schema and checksum), by
 * SHA-256. An apply records it in its journal header; resuming that apply, the same bytes are
 * known good, so a 50,000-entry plan starts sending again after one hash instead of a second
 * full check. Different bytes (any edit at all) get the full check as always.
 */
const verified = new WeakMap<Plan, string>();

export function rememberVerifiedBytes(plan: Plan, sha256: string): void {
  verified.set(plan, sha256);
}

export function verifiedFileSha256(plan: Plan): string | undefined {
  return verified.get(plan);
}
