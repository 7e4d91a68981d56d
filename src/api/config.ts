import { UsageError } from '../core/errors.js';
import { createAzureTokenProvider, createCommandTokenProvider, createStaticTokenProvider, type AzureTokenOptions } from './token.js';
import type { ClientOptions, TokenProvider } from './types.js';
import { DEFAULT_BASE_URL, type ClientFlags } from './client-flags.js';
import { checkTokenTransport, configuredBaseUrl } from './token-destination.js';

export { CLIENT_FLAGS, DEFAULT_BASE_URL, type ClientFlags } from './client-flags.js';

/** Everything createClient needs except the hooks (onEvent, dispatcher) a command adds itself. */
export type ResolvedClientConfig = Pick<ClientOptions, 'baseUrl' | 'token' | 'rate' | 'concurrency' | 'timeoutMs'> & {
  /** Where the token comes from, for messages (never the token itself). */
  tokenSource: 'env' | 'token-command' | 'azure-cli' | 'device-code';
};

/**
 * Base URL and token selection, the same for every command:
 *  - base URL: `--base-url`, else `REFPLAN_BASE_URL`, else the public API;
 *  - token: `--token-command`, else `--auth azure-cli|device-code`, else `REFPLAN_TOKEN`.
 */
export function resolveClientConfig(input: { flags: ClientFlags; env: NodeJS.ProcessEnv; azure?: AzureTokenOptions }): ResolvedClientConfig {
  const { flags, env } = input;
  const { url: baseUrl, source } = configuredBaseUrl(flags, env);
  let parsed: URL;
  try {
    parsed = new URL(baseUrl);
  } catch {
    throw new UsageError(`--base-url ${JSON.stringify(baseUrl)} is not a URL`, `Use e.g. --base-url ${DEFAULT_BASE_URL}`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new UsageError(`--base-url ${JSON.stringify(baseUrl)} must be an http(s) URL`, `Use e.g. --base-url ${DEFAULT_BASE_URL}`);
  }
  checkTokenTransport(baseUrl, source === 'the default' ? 'the base URL' : source);

  const auth = flags.auth ?? 'env';
  let token: TokenProvider;
  let tokenSource: ResolvedClientConfig['tokenSource'];
  if (flags.tokenCommand !== undefined) {
    if (flags.tokenCommand.trim() === '') throw new UsageError('--token-command is empty', 'Give the command that prints a token, e.g. --token-command "az account get-access-token --resource https://api.partner.microsoft.com --query accessToken -o tsv"');
    token = createCommandTokenProvider(flags.tokenCommand, { env });
    tokenSource = 'token-command';
  } else if (auth === 'azure-cli' || auth === 'device-code') {
    token = createAzureTokenProvider(auth, input.azure);
    tokenSource = auth;
  } else if (auth === 'env') {
    const value = nonEmpty(env['REFPLAN_TOKEN']);
    if (value === undefined) {
      throw new UsageError(
        'no API token: REFPLAN_TOKEN is not set',
        'Set REFPLAN_TOKEN, or use --token-command "<cmd>" or --auth azure-cli|device-code. (The emulator accepts any token.)',
      );
    }
    token = createStaticTokenProvider(value);
    tokenSource = 'env';
  } else {
    throw new UsageError(`--auth ${JSON.stringify(auth)} is not a known mode`, 'Use --auth env, azure-cli or device-code.');
  }

  const out: ResolvedClientConfig = { baseUrl, token, tokenSource };
  const rate = positiveNumber('--rate', flags.rate);
  if (rate !== undefined) out.rate = rate;
  const concurrency = positiveNumber('--concurrency', flags.concurrency, true);
  if (concurrency !== undefined) out.concurrency = concurrency;
  const timeout = positiveNumber('--timeout', flags.timeout, true);
  if (timeout !== undefined) out.timeoutMs = timeout;
  return out;
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v;
}

function positiveNumber(flag: string, value: string | number | undefined, integer = false): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'number' ? value : Number(value.trim());
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n)) || (typeof value === 'string' && value.trim() === '')) {
    throw new UsageError(`${flag} ${JSON.stringify(String(value))} is not a positive ${integer ? 'whole ' : ''}number`, `Give e.g. ${flag} ${integer ? '8' : '50'}`);
  }
  return n;
}
