/**
 * What a server's rate-limit headers say about its quota (pure). Two spellings are read:
 *  - IETF (draft-ietf-httpapi-ratelimit-headers): `RateLimit-Limit`, `RateLimit-Remaining`,
 *    `RateLimit-Reset` (seconds) and `RateLimit-Policy: <quota>;w=<seconds>[, …]`;
 *  - API Management style: `x-ratelimit-limit-<name>`, `x-ratelimit-remaining-<name>`,
 *    `x-ratelimit-reset-<name>` for any `<name>` (requests, writes, …): the tightest one counts.
 */
export interface StatedQuota {
  /** Requests that may still pass, as the server counted when it answered. */
  remaining: number;
  /** The quota per window, when stated. */
  limit: number | undefined;
  /** The window in seconds, when stated (RateLimit-Policy `w=`). */
  windowSeconds: number | undefined;
  /** Seconds until the quota is whole again, when stated. */
  resetSeconds: number | undefined;
}

type Headers = Record<string, string | string[] | undefined>;

function header(headers: Headers, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function count(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  if (!/^\d+(\.\d+)?$/.test(t)) return undefined;
  return Number(t);
}

/** The smallest quota-per-second policy of a `RateLimit-Policy` list, as {quota, window}. */
function policy(text: string | undefined): { quota: number; windowSeconds: number } | undefined {
  if (text === undefined) return undefined;
  let best: { quota: number; windowSeconds: number } | undefined;
  for (const item of text.split(',')) {
    const [q, ...params] = item.split(';').map((s) => s.trim());
    const quota = count(q);
    const w = params.map((p) => /^w\s*=\s*(\d+(?:\.\d+)?)$/.exec(p)?.[1]).find((x) => x !== undefined);
    if (quota === undefined || w === undefined || !(Number(w) > 0)) continue;
    const candidate = { quota, windowSeconds: Number(w) };
    if (best === undefined || candidate.quota / candidate.windowSeconds < best.quota / best.windowSeconds) best = candidate;
  }
  return best;
}

export function parseRateLimitHeaders(headers: Headers): StatedQuota | undefined {
  const remaining = count(header(headers, 'ratelimit-remaining'));
  if (remaining !== undefined) {
    const p = policy(header(headers, 'ratelimit-policy'));
    return {
      remaining,
      limit: count(header(headers, 'ratelimit-limit')) ?? p?.quota,
      windowSeconds: p?.windowSeconds,
      resetSeconds: count(header(headers, 'ratelimit-reset')),
    };
  }
  let tightest: StatedQuota | undefined;
  for (const name of Object.keys(headers)) {
    const m = /^x-ratelimit-remaining-(.+)$/i.exec(name);
    if (m === null) continue;
    const left = count(header(headers, name));
    if (left === undefined || (tightest !== undefined && left >= tightest.remaining)) continue;
    const suffix = (m[1] as string).toLowerCase();
    tightest = {
      remaining: left,
      limit: count(header(headers, `x-ratelimit-limit-${suffix}`)),
      windowSeconds: undefined,
      resetSeconds: count(header(headers, `x-ratelimit-reset-${suffix}`)),
    };
  }
  return tightest;
}
