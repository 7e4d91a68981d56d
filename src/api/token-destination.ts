import { RefplanError, UsageError } from '../core/errors.js';
import { ExitCode } from '../core/exit-codes.js';
import { escapeControls } from '../core/terminal-text.js';
import { DEFAULT_BASE_URL } from './client-flags.js';

/**
 * Where the bearer token may go. A plan file names the API it was made against, and anyone who can
 * edit a plan can change that name and recompute its checksum (a plain SHA-256). So the token goes
 * only to the API the user chose for this run (--base-url, REFPLAN_BASE_URL, or the Partner Center
 * default), or to this machine; never in clear text over the network.
 */

export type BaseUrlSource = '--base-url' | 'REFPLAN_BASE_URL' | 'the default';

export interface ConfiguredBaseUrl {
  /** Without trailing slashes. */
  url: string;
  source: BaseUrlSource;
}

/** The API this run was told to use: `--base-url`, else `REFPLAN_BASE_URL`, else Partner Center. */
export function configuredBaseUrl(flags: { baseUrl?: string | undefined }, env: NodeJS.ProcessEnv): ConfiguredBaseUrl {
  const fromEnv = env['REFPLAN_BASE_URL'];
  if (flags.baseUrl !== undefined) return { url: trim(flags.baseUrl), source: '--base-url' };
  if (fromEnv !== undefined && fromEnv.trim() !== '') return { url: trim(fromEnv), source: 'REFPLAN_BASE_URL' };
  return { url: DEFAULT_BASE_URL, source: 'the default' };
}

/**
 * True for a host name that can only mean this machine: `localhost` (and `*.localhost`, RFC 6761),
 * 127.0.0.0/8 and ::1 (also IPv4-mapped). Takes `URL.hostname`, which has already turned
 * `0x7f.1` and friends into dotted decimal.
 */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)) return true;
  const v6 = h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
  if (v6 === '::1' || v6 === '0:0:0:0:0:0:0:1') return true;
  // ::ffff:127.x.y.z, which URL spells ::ffff:7fxx:xxxx
  return /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(v6);
}

export function isLoopbackUrl(url: string): boolean {
  try {
    return isLoopbackHost(new URL(url).hostname);
  } catch {
    return false;
  }
}

/** Refuses a base URL the token would cross the network in clear text to (http:, not this machine). */
export function checkTokenTransport(baseUrl: string, what = 'the base URL'): void {
  let parsed: URL;
  try {
    parsed = new URL(baseUrl);
  } catch {
    return; // not a URL: the caller says so in its own words
  }
  if (parsed.protocol === 'http:' && !isLoopbackHost(parsed.hostname)) {
    throw new UsageError(
      `${what} ${escapeControls(baseUrl)} is plain http to another machine: refplan sends the bearer token only over https (or to this machine); nothing was sent`,
      `Use https://${parsed.host}${parsed.pathname === '/' ? '' : parsed.pathname}, or an emulator on 127.0.0.1.`,
    );
  }
}

/**
 * The base URL to run a plan (or rollback file) against. The plan's own URL is used only when it is
 * the one this run is configured for, or when nothing was configured and the plan's API is on this
 * machine (an emulator). Anything else is refused before the first request, with both URLs named.
 */
export function baseUrlForPlan(planBaseUrl: string, configured: ConfiguredBaseUrl, planPath: string): string {
  const planUrl = trim(planBaseUrl);
  if (sameApi(planUrl, configured.url)) return configured.url;
  if (configured.source === 'the default' && isLoopbackUrl(planUrl)) return planUrl;
  const shownPlan = escapeControls(planUrl);
  const configuredFrom = configured.source === 'the default' ? 'the default, as neither --base-url nor REFPLAN_BASE_URL is set' : `from ${configured.source}`;
  throw new RefplanError(
    'plan-other-api',
    `${escapeControls(planPath)} was made against ${shownPlan}, but this run targets ${escapeControls(configured.url)} (${configuredFrom}); nothing was sent, and the token goes only to the API you configure`,
    {
      exitCode: ExitCode.error,
      hint: `If you trust that API, run again with --base-url ${shownPlan} (or REFPLAN_BASE_URL); otherwise make a new plan against ${escapeControls(configured.url)}.`,
    },
  );
}

function trim(url: string): string {
  return url.trim().replace(/\/+$/, '');
}

/** Same scheme, host, port and path (URL normalises case and default ports). */
function sameApi(a: string, b: string): boolean {
  try {
    const x = new URL(a);
    const y = new URL(b);
    return x.protocol === y.protocol && x.host === y.host && x.pathname.replace(/\/+$/, '') === y.pathname.replace(/\/+$/, '');
  } catch {
    return a === b;
  }
}
