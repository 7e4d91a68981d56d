import { createClient } from '../api/client.js';
import { resolveClientConfig } from '../api/config.js';
import type { ReferralsClient } from '../api/types.js';
import type { ConnectionFlags } from './connection-options.js';

/** A client for the run, from the flags and the environment (REFPLAN_BASE_URL, REFPLAN_TOKEN). */
export function openClient(flags: ConnectionFlags, env: NodeJS.ProcessEnv): { client: ReferralsClient; baseUrl: string } {
  const config = resolveClientConfig({ flags, env });
  const { tokenSource: _source, ...options } = config;
  return { client: createClient(options), baseUrl: config.baseUrl };
}
