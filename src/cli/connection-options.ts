import type { Command } from 'commander';
import { CLIENT_FLAGS, type ClientFlags } from '../api/client-flags.js';

/**
 * The connection flags every command that talks to the API shares (plan,
 * export, apply, rollback, migrate): `--base-url`, `--token-command`, `--auth`,
 * `--rate`, `--concurrency`, `--timeout`. Declared once, from the client's own
 * table (`CLIENT_FLAGS`), so names, help and parsing cannot drift between commands.
 * Declaring them must stay cheap (no HTTP client): `open-client.ts` builds the client.
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
