// Issue 13: a refused connection fails fast, named by host:port with what to check; once the API
// has answered, a refused connection (a restart mid-run) is still retried with the usual backoff.
import { afterEach, describe, expect, it } from 'vitest';
import { createClient } from '../../src/api/client.js';
import { NetworkError, UnreachableError } from '../../src/api/errors.js';
import { createStaticTokenProvider } from '../../src/api/token.js';
import type { ClientEvent, ReferralsClient } from '../../src/api/types.js';
import { runCli } from '../helpers/run-cli.js';
import { json, startScriptServer } from './script-server.js';

let client: ReferralsClient | undefined;
afterEach(async () => {
  await client?.close();
  client = undefined;
});

async function closedPort(): Promise<string> {
  const probe = await startScriptServer(() => {});
  const url = probe.baseUrl;
  await probe.close();
  return url;
}

describe('a server that is not there', () => {
  it('first contact refused: one quick retry, then an UnreachableError naming host:port (not 6 backoffs)', async () => {
    const url = await closedPort();
    const events: ClientEvent[] = [];
    const slept: number[] = [];
    client = createClient({ baseUrl: url, token: createStaticTokenProvider('t'), maxRetries: 6, onEvent: (e) => events.push(e), sleep: async (ms) => void slept.push(ms) });
    const e = (await client.getReferral('r1').catch((x: unknown) => x)) as UnreachableError;
    expect(e).toBeInstanceOf(UnreachableError);
    expect(e).toBeInstanceOf(NetworkError);
    const { host } = new URL(url);
    expect(e.host).toBe(host);
    expect(e.message).toBe(`cannot connect to ${host}: connection refused, nothing is listening there (GET /engagements/referrals/r1; nothing was sent)`);
    expect(e.hint).toMatch(/Check --base-url \/ REFPLAN_BASE_URL \(http:\/\/127\.0\.0\.1:\d+\): is the API \(or `refplan emulator`\) running/);
    expect(events.filter((x) => x.type === 'retry')).toHaveLength(1);
    expect(slept).toContain(250);
    expect(slept.reduce((a, b) => a + b, 0)).toBeLessThan(1000);
  });

  it('after the API has answered, a refused connection is retried with the backoff as before', async () => {
    const server = await startScriptServer((req, res) => json(res, 200, { id: 'r1', eTag: '"1"' }));
    const events: ClientEvent[] = [];
    client = createClient({ baseUrl: server.baseUrl, token: createStaticTokenProvider('t'), maxRetries: 3, onEvent: (e) => events.push(e), sleep: async () => {} });
    await client.getReferral('r1');
    await server.close();
    const e = await client.getReferral('r1').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(NetworkError);
    expect(e).not.toBeInstanceOf(UnreachableError);
    expect(events.filter((x) => x.type === 'retry')).toHaveLength(3);
  });

  it('through the CLI: plan against a closed port exits 1 naming host:port, nothing on stdout', async () => {
    const url = await closedPort();
    const run = await runCli(['plan', 'samples/changes.yaml', '-o', '-'], { env: { REFPLAN_TOKEN: 't', REFPLAN_BASE_URL: url } });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`refplan: cannot connect to ${new URL(url).host}: connection refused`);
    expect(run.stderr).toMatch(/hint: Check --base-url/);
  });
});
