/**
 * The client's flags as data, apart from the code that resolves them (config.ts) so a command can
 * declare its flags without loading the token providers or the HTTP client.
 */
export const DEFAULT_BASE_URL = 'https://api.partner.microsoft.com/v1.0';

/**
 * The flags every command that talks to the API accepts, as data, so each command declares them
 * the same way (e.g. `for (const f of CLIENT_FLAGS) cmd.option(f.flags, f.description)`).
 * Values arrive as commander gives them (strings), and resolveClientConfig parses them.
 */
export const CLIENT_FLAGS = [
  { key: 'baseUrl', flags: '--base-url <url>', description: `referrals API base URL (env REFPLAN_BASE_URL; default ${DEFAULT_BASE_URL})` },
  { key: 'tokenCommand', flags: '--token-command <cmd>', description: 'command that prints a bearer token on stdout (run again once if the API answers 401)' },
  { key: 'auth', flags: '--auth <mode>', description: 'token source: env (REFPLAN_TOKEN, default), azure-cli or device-code (needs npm install @azure/identity)' },
  { key: 'rate', flags: '--rate <n>', description: 'the most requests per second to send (default: no ceiling; the API\'s limit is learned from its 429s or rate-limit headers, under this rate when given)' },
  { key: 'concurrency', flags: '--concurrency <n>', description: 'requests in flight at most (default 8; refplan keeps about rate × round trip in flight, up to this)' },
  { key: 'timeout', flags: '--timeout <ms>', description: 'per-request timeout in milliseconds (default 30000)' },
] as const;

export interface ClientFlags {
  baseUrl?: string | undefined;
  tokenCommand?: string | undefined;
  auth?: string | undefined;
  rate?: string | number | undefined;
  concurrency?: string | number | undefined;
  timeout?: string | number | undefined;
}
