import { spawn } from 'node:child_process';
import { RefplanError } from '../core/errors.js';
import type { TokenProvider } from './types.js';

/**
 * Token providers. The token lives only in closures: never in a property (so it cannot end up in
 * a JSON dump or an inspected object), never in a message, log line or file.
 */

/** The scope refplan asks Microsoft Entra for. */
export const PARTNER_CENTER_SCOPE = 'https://api.partner.microsoft.com/.default';

/** A fixed token, e.g. from `REFPLAN_TOKEN`. */
export function createStaticTokenProvider(token: string): TokenProvider {
  const value = token.trim();
  if (value === '') throw new RefplanError('token', 'the token is empty', { hint: 'Set REFPLAN_TOKEN to a bearer token for the Partner Center API.' });
  return {
    getToken: () => Promise.resolve(value),
  };
}

export interface TokenCommandOptions {
  /** Environment for the command (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Kill the command after this long. @default 60000 */
  timeoutMs?: number;
}

/**
 * `--token-command "<cmd>"`: runs the command in a shell and uses its trimmed stdout. The result is
 * cached; `refresh()` (called by the client after a 401) runs it again.
 */
export function createCommandTokenProvider(command: string, options: TokenCommandOptions = {}): TokenProvider {
  let cached: Promise<string> | undefined;
  const run = (): Promise<string> => {
    const p = runTokenCommand(command, options);
    // A failed run is not cached: the next call tries again.
    p.catch(() => {
      if (cached === p) cached = undefined;
    });
    cached = p;
    return p;
  };
  return {
    getToken: () => cached ?? run(),
    refresh: () => run(),
  };
}

function runTokenCommand(command: string, options: TokenCommandOptions): Promise<string> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  return new Promise((resolve, reject) => {
    const child = spawn(command, { shell: true, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      if (err.length < 2000) err += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const fail = (what: string, cause?: unknown): void =>
      reject(
        new RefplanError('token-command', `--token-command failed: ${what}`, {
          hint: 'The command must print a bearer token for the Partner Center API on stdout and exit 0 (for example: az account get-access-token --resource https://api.partner.microsoft.com --query accessToken -o tsv).',
          cause,
        }),
      );
    child.on('error', (e) => {
      clearTimeout(timer);
      fail(`could not start it (${e.message})`, e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      // stderr is quoted to help the user; stdout never is (it is the token).
      const stderrLine = err.trim().split(/\r?\n/)[0]?.slice(0, 200) ?? '';
      const said = stderrLine === '' ? '' : `; it said: ${stderrLine}`;
      if (signal !== null) return fail(`it was killed by ${signal}${signal === 'SIGKILL' ? ` (timeout ${timeoutMs} ms?)` : ''}${said}`);
      if (code !== 0) return fail(`it exited with code ${code}${said}`);
      const token = Buffer.concat(out).toString('utf8').trim();
      if (token === '') return fail(`it printed nothing on stdout${said}`);
      if (/\s/.test(token)) return fail('its output has more than one word; print only the token');
      resolve(token);
    });
  });
}

export type AzureAuthMode = 'azure-cli' | 'device-code';

/** The parts of @azure/identity refplan uses (it is an optional, lazily loaded package). */
interface AzureIdentityModule {
  AzureCliCredential: new () => AzureCredential;
  DeviceCodeCredential: new (options?: Record<string, unknown>) => AzureCredential;
}
interface AzureCredential {
  getToken(scopes: string | string[]): Promise<{ token: string; expiresOnTimestamp: number } | null>;
}

export interface AzureTokenOptions {
  /** How to load @azure/identity (injectable for tests). */
  importIdentity?: () => Promise<unknown>;
  now?: () => number;
  /** Where device-code login tells the user what to do (default: stderr). */
  prompt?: (message: string) => void;
}

/**
 * `--auth azure-cli|device-code` through @azure/identity, imported only when used so that
 * refplan does not carry its 40+ packages. Tokens are cached until two minutes before expiry.
 */
export function createAzureTokenProvider(mode: AzureAuthMode, options: AzureTokenOptions = {}): TokenProvider {
  const now = options.now ?? Date.now;
  const importIdentity = options.importIdentity ?? defaultImportIdentity;
  let credential: Promise<AzureCredential> | undefined;
  let cached: { token: string; expiresAt: number } | undefined;

  const getCredential = (): Promise<AzureCredential> => {
    credential ??= (async () => {
      let mod: AzureIdentityModule;
      try {
        mod = (await importIdentity()) as AzureIdentityModule;
      } catch (e) {
        credential = undefined;
        throw new RefplanError('azure-identity-missing', `--auth ${mode} needs the optional package @azure/identity, which is not installed`, {
          hint: 'Run `npm install @azure/identity` (version 4.13.x for Node 20) next to refplan, or use REFPLAN_TOKEN / --token-command instead.',
          cause: e,
        });
      }
      if (mode === 'azure-cli') return new mod.AzureCliCredential();
      const prompt = options.prompt ?? ((m: string) => process.stderr.write(`${m}\n`));
      return new mod.DeviceCodeCredential({ userPromptCallback: (info: { message: string }) => prompt(info.message) });
    })();
    return credential;
  };

  const fetchToken = async (): Promise<string> => {
    const cred = await getCredential();
    let result: { token: string; expiresOnTimestamp: number } | null;
    try {
      result = await cred.getToken(PARTNER_CENTER_SCOPE);
    } catch (e) {
      const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
      throw new RefplanError('azure-auth', `--auth ${mode} could not get a token: ${why}`, {
        hint: mode === 'azure-cli' ? 'Run `az login` first (with an account that has a Referrals role).' : 'Complete the device-code sign-in in a browser within the time shown.',
        cause: e,
      });
    }
    if (result === null) throw new RefplanError('azure-auth', `--auth ${mode} returned no token`, { hint: 'Sign in again (az login).' });
    cached = { token: result.token, expiresAt: result.expiresOnTimestamp };
    return result.token;
  };

  return {
    getToken: async () => (cached !== undefined && cached.expiresAt - 120_000 > now() ? cached.token : fetchToken()),
    refresh: () => fetchToken(),
  };
}

function defaultImportIdentity(): Promise<unknown> {
  // A variable specifier keeps TypeScript from requiring the (optional) package at build time.
  const specifier = '@azure/identity';
  return import(specifier) as Promise<unknown>;
}
