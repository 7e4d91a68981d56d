/**
 * AIMD for the number of requests in flight (pure): on a throttling episode the limit is halved
 * (multiplicative decrease); each time `limit` requests in a row were accepted it grows by one
 * (additive increase), back up to the cap. TCP's congestion window, counted in requests.
 */
export interface AimdState {
  readonly limit: number;
  readonly cap: number;
  /** Accepted responses since the limit last changed. */
  readonly credit: number;
}

export function initialAimd(cap: number): AimdState {
  const c = Math.max(1, Math.floor(cap));
  return { limit: c, cap: c, credit: 0 };
}

export function aimdOnThrottle(s: AimdState, factor = 0.5): AimdState {
  return { limit: Math.max(1, Math.floor(s.limit * factor)), cap: s.cap, credit: 0 };
}

export function aimdOnAccepted(s: AimdState): AimdState {
  if (s.limit >= s.cap) return s.credit === 0 ? s : { ...s, credit: 0 };
  const credit = s.credit + 1;
  if (credit >= s.limit) return { limit: s.limit + 1, cap: s.cap, credit: 0 };
  return { ...s, credit };
}
