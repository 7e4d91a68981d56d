/**
 * How many requests may be in flight (pure). The rate is what the server limits; concurrency
 * only has to keep the pipe full at that rate: in flight ≈ rate × round trip (Little's law), with
 * half again as much for jitter and two spare, never above the user's cap (`--concurrency`).
 * While the rate is still unknown or the round trip not measured yet, the cap itself.
 */
export function concurrencyFor(rate: number | undefined, roundTripMs: number | undefined, cap: number): number {
  const c = Math.max(1, Math.floor(cap));
  if (rate === undefined || roundTripMs === undefined || !Number.isFinite(rate)) return c;
  return Math.max(1, Math.min(c, Math.ceil(1.5 * rate * (roundTripMs / 1000)) + 2));
}

/** A smoothed round trip (ms): the usual TCP estimator, ⅛ of each new sample. */
export function smoothRoundTrip(previous: number | undefined, sampleMs: number): number {
  if (previous === undefined) return sampleMs;
  return previous + (sampleMs - previous) / 8;
}
