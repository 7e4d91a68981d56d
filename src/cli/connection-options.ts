import type { Command } from 'commander';
import { createClient } from '../api/client.js';
import { CLIENT_FLAGS, resolveClientConfig, type ClientFlags } from '../api/config.js';
import type { ReferralsClient } from '../api/types.js';

/**
 * The connection flags every command that talks to the API shares (plan,
 * export, apply, rollback, migrate): `--base-url`, `--token-command`, `--auth`,
 * `--rate`, `--concurrency`, `--timeout`. Declared once, from the client's own
 * table (`CLIENT_FLAGS`), so names, help and parsing cannot drift between commands.
 */
export type ConnectionFlags = ClientFlags;

export function addConnectionOptions(command: Command): Command {
  for (const f of CLIENT_FLAGS) command.option(f.flags, f.description);
  return command;
}

/** Picks the connection flags out of a command's parsed options. */
export function connectionFlags(opts: Record<string, unknown>): ConnectionFlags {
  const flags: Record<string, string | number> = {};
  for (const f of CLIENT_FLAGS) {
    const value = opts[f.key];
    if (typeof value === 'string' || typeof value === 'number') flags[f.key] = value;
  }
  return flags as ConnectionFlags;
}

/** A client for the run, from the flags and the environment (REFPLAN_BASE_URL, REFPLAN_TOKEN). */
export function openClient(flags: ConnectionFlags, env: NodeJS.ProcessEnv): { client: ReferralsClient; baseUrl: string } {
  const config = resolveClientConfig({ flags, env });
  const { tokenSource: _source, ...options } = config;
  return { client: createClient(options), baseUrl: config.baseUrl };
}
