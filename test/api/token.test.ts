import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createClient } from '../../src/api/client.js';
import { resolveClientConfig, DEFAULT_BASE_URL } from '../../src/api/config.js';
import { AuthError } from '../../src/api/errors.js';
import { createAzureTokenProvider, createCommandTokenProvider, createStaticTokenProvider, PARTNER_CENTER_SCOPE } from '../../src/api/token.js';
import { RefplanError, UsageError } from '../../src/core/errors.js';
import { tempTree } from '../helpers/temp-dir.js';
import { json, startScriptServer } from './script-server.js';

/** A token command that prints tok-1, tok-2, ... (one more per run), counting in a file. */
function countingTokenCommand(): { command: string; counter: string } {
  const dir = tempTree();
  const counter = join(dir, 'count');
  const script = join(dir, 'token.mjs');
  writeFileSync(
    script,
    `import fs from 'node:fs';
const f = ${JSON.stringify(counter)};
let n = 0; try { n = Number(fs.readFileSync(f, 'utf8')); } catch {}
n++; fs.writeFileSync(f, String(n));
process.stdout.write('tok-SECRET-' + n + '\\n');`,
  );
  return { command: `"${process.execPath}" "${script}"`, counter };
}

describe('token providers', () => {
  it('--token-command: runs once, caches, and refreshes once when the API answers 401', async () => {
    const { command } = countingTokenCommand();
    const server = await startScriptServer((req, res) =>
      req.headers['authorization'] === 'Bearer tok-SECRET-2' ? json(res, 200, { id: 'r1' }) : json(res, 401, { error: { code: 'unauthenticated', message: 'expired' } }),
    );
    const client = createClient({ baseUrl: server.baseUrl, token: createCommandTokenProvider(command), sleep: async () => {} });
    try {
      expect((await client.getReferral('r1')).id).toBe('r1');
      expect((await client.getReferral('r1')).id).toBe('r1');
      expect(server.seen.map((s) => s.headers['authorization'])).toEqual(['Bearer tok-SECRET-1', 'Bearer tok-SECRET-2', 'Bearer tok-SECRET-2']);
      expect(client.stats().retries).toBe(1);
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('a second 401 after the refresh is an AuthError without the token in it', async () => {
    const { command } = countingTokenCommand();
    const server = await startScriptServer((req, res) => json(res, 401, { error: { code: 'unAuthorized', message: 'no' } }));
    const client = createClient({ baseUrl: server.baseUrl, token: createCommandTokenProvider(command), sleep: async () => {} });
    try {
      const e = (await client.getReferral('r1').catch((x: unknown) => x)) as AuthError;
      expect(e).toBeInstanceOf(AuthError);
      expect(e.apiCode).toBe('unAuthorized');
      expect(server.seen).toHaveLength(2);
      expect(`${e.message} ${e.hint} ${e.bodyExcerpt}`).not.toContain('tok-SECRET');
    } finally {
      await client.close();
      await server.close();
    }
  });

  it('a failing token command is a RefplanError that quotes stderr but never stdout', async () => {
    const p = createCommandTokenProvider(`"${process.execPath}" -e "process.stdout.write('tok-SECRET-x'); console.error('login required'); process.exit(3)"`);
    const e = (await p.getToken().catch((x: unknown) => x)) as RefplanError;
    expect(e).toBeInstanceOf(RefplanError);
    expect(e.message).toContain('exited with code 3');
    expect(e.message).toContain('login required');
    expect(e.message).not.toContain('tok-SECRET');
  });

  it('static provider: trims, refuses empty, exposes no token property', async () => {
    const p = createStaticTokenProvider('  abc-SECRET  ');
    expect(await p.getToken()).toBe('abc-SECRET');
    expect(JSON.stringify(p)).not.toContain('SECRET');
    expect(() => createStaticTokenProvider('  ')).toThrow(RefplanError);
  });

  it('--auth azure-cli without @azure/identity installed says how to install it', async () => {
    const p = createAzureTokenProvider('azure-cli');
    const e = (await p.getToken().catch((x: unknown) => x)) as RefplanError;
    expect(e).toBeInstanceOf(RefplanError);
    expect(e.code).toBe('azure-identity-missing');
    expect(e.hint).toContain('npm install @azure/identity');
  });

  it('--auth uses the Partner Center scope and caches until shortly before expiry', async () => {
    const scopes: unknown[] = [];
    let n = 0;
    class FakeCredential {
      getToken(scope: unknown) {
        scopes.push(scope);
        return Promise.resolve({ token: `az-${++n}`, expiresOnTimestamp: 10 * 60_000 });
      }
    }
    let now = 0;
    const p = createAzureTokenProvider('azure-cli', { importIdentity: async () => ({ AzureCliCredential: FakeCredential, DeviceCodeCredential: FakeCredential }), now: () => now });
    expect(await p.getToken()).toBe('az-1');
    expect(await p.getToken()).toBe('az-1');
    now = 9 * 60_000; // within two minutes of expiry
    expect(await p.getToken()).toBe('az-2');
    expect(await p.refresh!()).toBe('az-3');
    expect(scopes).toEqual([PARTNER_CENTER_SCOPE, PARTNER_CENTER_SCOPE, PARTNER_CENTER_SCOPE]);
  });
});

describe('resolveClientConfig', () => {
  it('defaults to the public API and REFPLAN_TOKEN', async () => {
    const c = resolveClientConfig({ flags: {}, env: { REFPLAN_TOKEN: 't1' } });
    expect(c.baseUrl).toBe(DEFAULT_BASE_URL);
    expect(c.tokenSource).toBe('env');
    expect(await c.token.getToken()).toBe('t1');
    expect(c.rate).toBeUndefined();
  });

  it('--base-url beats REFPLAN_BASE_URL; trailing slash dropped; numbers parsed', () => {
    const c = resolveClientConfig({
      flags: { baseUrl: 'http://127.0.0.1:9/v1.0/', rate: '50', concurrency: '4', timeout: '1000' },
      env: { REFPLAN_BASE_URL: 'https://elsewhere/v1.0', REFPLAN_TOKEN: 't' },
    });
    expect(c).toMatchObject({ baseUrl: 'http://127.0.0.1:9/v1.0', rate: 50, concurrency: 4, timeoutMs: 1000 });
    expect(resolveClientConfig({ flags: {}, env: { REFPLAN_BASE_URL: 'https://elsewhere/v1.0', REFPLAN_TOKEN: 't' } }).baseUrl).toBe('https://elsewhere/v1.0');
  });

  it('--token-command and --auth take precedence over REFPLAN_TOKEN', () => {
    expect(resolveClientConfig({ flags: { tokenCommand: 'echo x' }, env: { REFPLAN_TOKEN: 't' } }).tokenSource).toBe('token-command');
    expect(resolveClientConfig({ flags: { auth: 'device-code' }, env: { REFPLAN_TOKEN: 't' } }).tokenSource).toBe('device-code');
  });

  it('refuses a missing token, bad URLs, bad numbers and unknown auth modes with UsageError', () => {
    expect(() => resolveClientConfig({ flags: {}, env: {} })).toThrow(UsageError);
    expect(() => resolveClientConfig({ flags: { baseUrl: 'not a url' }, env: { REFPLAN_TOKEN: 't' } })).toThrow(/not a URL/);
    expect(() => resolveClientConfig({ flags: { rate: 'fast' }, env: { REFPLAN_TOKEN: 't' } })).toThrow(/--rate/);
    expect(() => resolveClientConfig({ flags: { concurrency: '2.5' }, env: { REFPLAN_TOKEN: 't' } })).toThrow(/--concurrency/);
    expect(() => resolveClientConfig({ flags: { auth: 'magic' }, env: { REFPLAN_TOKEN: 't' } })).toThrow(/--auth/);
  });
});
