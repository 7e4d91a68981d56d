/**
 * URL building for the referrals API (pure).
 */

/** The collection path under the base URL. */
export const REFERRALS_PATH = '/engagements/referrals';

/** The base URL without trailing slashes. */
export function trimBaseUrl(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, '');
}

/** OData query string with `$`-keys kept literal and values percent-encoded. */
export function buildQuery(params: Record<string, string | number | undefined>): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    parts.push(`${key}=${encodeURIComponent(String(value))}`);
  }
  return parts.length === 0 ? '' : `?${parts.join('&')}`;
}

/**
 * Puts an `@odata.nextLink` onto the configured base URL. The documentation shows it as
 * `http://api.partner.microsoft.com/v1.0/referrals?$skiptoken=...`: wrong scheme (would send the
 * token in clear) and without `/engagements`. refplan keeps the part from the `referrals` segment
 * on (path remainder and the query string, byte for byte) and puts it under
 * `<baseUrl>/engagements/`. A link with no `referrals` segment is kept relative to the base URL.
 */
export function normaliseNextLink(nextLink: string, baseUrl: string): string {
  const base = trimBaseUrl(baseUrl);
  const q = nextLink.indexOf('?');
  const beforeQuery = q === -1 ? nextLink : nextLink.slice(0, q);
  const query = q === -1 ? '' : nextLink.slice(q);
  // Path part: drop scheme and authority when present.
  const path = beforeQuery.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '');
  const segments = path.split('/');
  const at = segments.lastIndexOf('referrals');
  if (at === -1) {
    const basePath = new URL(base).pathname.replace(/\/+$/, '');
    const rest = basePath !== '' && path.startsWith(`${basePath}/`) ? path.slice(basePath.length) : path;
    return `${base}${rest.startsWith('/') ? '' : '/'}${rest}${query}`;
  }
  const remainder = segments.slice(at + 1).join('/');
  return `${base}${REFERRALS_PATH}${remainder === '' ? '' : `/${remainder}`}${query}`;
}

/** The path of a URL relative to the base URL, without query string, for messages. */
export function pathForMessage(url: string, baseUrl: string): string {
  const base = trimBaseUrl(baseUrl);
  const noQuery = url.split('?')[0] ?? url;
  return noQuery.startsWith(base) ? noQuery.slice(base.length) || '/' : new URL(noQuery).pathname;
}
