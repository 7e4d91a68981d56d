import { Option, type Command } from 'commander';
import { UsageError } from '../core/errors.js';

/**
 * The connection flags every command that talks to the API shares (plan,
 * export, apply, rollback, migrate), declared once so their names, help and
 * parsing cannot drift between commands.
 */
export interface ConnectionFlags {
  baseUrl?: string;
  tokenCommand?: string;
  auth?: 'azure-cli' | 'device-code';
  rate?: number;
  concurrency?: number;
}

function positiveNumber(flag: string, integer: boolean): (value: string) => number {
  return (value: string) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
      throw new UsageError(`${flag} needs a positive ${integer ? 'whole ' : ''}number, got ${JSON.stringify(value)}`, `e.g. ${flag} ${integer ? '8' : '10'}`);
    }
    return n;
  };
}

export function addConnectionOptions(command: Command): Command {
  return command
    .option('--base-url <url>', 'referrals API base URL (env REFPLAN_BASE_URL; default https://api.partner.microsoft.com/v1.0)')
    .option('--token-command <cmd>', 'command that prints an access token on stdout (run again once on a 401); else env REFPLAN_TOKEN')
    .addOption(new Option('--auth <method>', 'sign in through @azure/identity instead of a token').choices(['azure-cli', 'device-code']))
    .option('--rate <r>', 'at most R requests per second for the whole run (default: adapt to the server\'s 429s)', positiveNumber('--rate', false))
    .option('--concurrency <n>', 'requests in flight at most (default 8)', positiveNumber('--concurrency', true));
}

/** Picks the connection flags out of a command's parsed options. */
export function connectionFlags(opts: Record<string, unknown>): ConnectionFlags {
  const flags: ConnectionFlags = {};
  if (typeof opts['baseUrl'] === 'string') flags.baseUrl = opts['baseUrl'];
  if (typeof opts['tokenCommand'] === 'string') flags.tokenCommand = opts['tokenCommand'];
  if (opts['auth'] === 'azure-cli' || opts['auth'] === 'device-code') flags.auth = opts['auth'];
  if (typeof opts['rate'] === 'number') flags.rate = opts['rate'];
  if (typeof opts['concurrency'] === 'number') flags.concurrency = opts['concurrency'];
  return flags;
}

/** A client for the run, from the flags and the environment (REFPLAN_BASE_URL, REFPLAN_TOKEN). */
export async function openClient(flags: ConnectionFlags, env: NodeJS.ProcessEnv): Promise<{ client: ReferralsClient; baseUrl: string }> {
  const { createClient, resolveClientConfig } = await import('../api/index.js');
  const config = await resolveClientConfig(flags, env);
  return { client: createClient(config), baseUrl: config.baseUrl };
}
