import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/api/client.js';
import { resolveClientConfig } from '../../src/api/config.js';
import { createStaticTokenProvider } from '../../src/api/token.js';
import { baseUrlForPlan, checkTokenTransport, configuredBaseUrl, isLoopbackHost } from '../../src/api/token-destination.js';
import { startEmulator } from '../../src/emulator/index.js';
import { writeTestPlan } from '../apply/build-plan.js';
import { runCli } from '../helpers/run-cli.js';
import { tempTree } from '../helpers/temp-dir.js';
import { json, startScriptServer, type ScriptServer } from './script-server.js';

const TOKEN = 'tok-destination-7c1e9a2b4d';

describe('where the token may go (pure)', () => {
  it('knows loopback hosts, and nothing else, as this machine', () => {
    for (const h of ['localhost', 'LOCALHOST', 'api.localhost', '127.0.0.1', '127.1.2.3', '[::1]', '[::ffff:7f00:1]', 'localhost.']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['0.0.0.0', '10.0.0.1', '128.0.0.1', 'localhost.evil.example', '127.0.0.1.evil.example', '[::2]', 'api.partner.microsoft.com', '[::ffff:a00:1]']) expect(isLoopbackHost(h), h).toBe(false);
    // URL normalises the spellings that would otherwise slip past.
    expect(isLoopbackHost(new URL('http://0x7f.1/').hostname)).toBe(true);
    expect(isLoopbackHost(new URL('http://2130706433/').hostname)).toBe(true);
  });

  it('refuses plain http to another machine, and allows https anywhere and http to this one', () => {
    expect(() => checkTokenTransport('http://api.example.com/v1.0')).toThrow(/plain http to another machine.*only over https/);
    expect(() => checkTokenTransport('http://0.0.0.0:4780/v1.0')).toThrow(/plain http/);
    expect(() => checkTokenTransport('https://api.example.com/v1.0')).not.toThrow();
    expect(() => checkTokenTransport('http://127.0.0.1:4780/v1.0')).not.toThrow();
    expect(() => checkTokenTransport('http://localhost:4780/v1.0')).not.toThrow();
    expect(() => resolveClientConfig({ flags: { baseUrl: 'http://api.example.com/v1.0' }, env: { REFPLAN_TOKEN: 't' } })).toThrow(/--base-url http:\/\/api\.example\.com\/v1\.0 is plain http/);
    expect(() => resolveClientConfig({ flags: {}, env: { REFPLAN_BASE_URL: 'http://api.example.com/v1.0', REFPLAN_TOKEN: 't' } })).toThrow(/REFPLAN_BASE_URL http:/);
    expect(() => createClient({ baseUrl: 'http://api.example.com/v1.0', token: createStaticTokenProvider('t') })).toThrow(/plain http/);
  });

  it("uses a plan's API only when it is the configured one, or on this machine with nothing configured", () => {
    const def = configuredBaseUrl({}, {});
    expect(def).toEqual({ url: 'https://api.partner.microsoft.com/v1.0', source: 'the default' });
    expect(baseUrlForPlan('https://api.partner.microsoft.com/v1.0/', def, 'p.json')).toBe('https://api.partner.microsoft.com/v1.0');
    expect(baseUrlForPlan('HTTPS://API.partner.microsoft.com:443/v1.0', def, 'p.json')).toBe('https://api.partner.microsoft.com/v1.0');
    expect(baseUrlForPlan('http://127.0.0.1:4780/v1.0', def, 'p.json')).toBe('http://127.0.0.1:4780/v1.0');
    expect(() => baseUrlForPlan('https://evil.example/v1.0', def, 'p.json')).toThrow(
      /p\.json was made against https:\/\/evil\.example\/v1\.0, but this run targets https:\/\/api\.partner\.microsoft\.com\/v1\.0 \(the default/,
    );
    const fromEnv = configuredBaseUrl({}, { REFPLAN_BASE_URL: 'http://127.0.0.1:1/v1.0/' });
    expect(fromEnv).toEqual({ url: 'http://127.0.0.1:1/v1.0', source: 'REFPLAN_BASE_URL' });
    // Configured explicitly: even a loopback plan must match it.
    expect(() => baseUrlForPlan('http://127.0.0.1:2/v1.0', fromEnv, 'p.json')).toThrow(/from REFPLAN_BASE_URL/);
    expect(configuredBaseUrl({ baseUrl: 'https://a/v1.0' }, { REFPLAN_BASE_URL: 'https://b/v1.0' }).source).toBe('--base-url');
  });
});

describe('a plan edited to send the token elsewhere (built CLI, real HTTP)', () => {
  let emu: Awaited<ReturnType<typeof startEmulator>>;
  let hostile: ScriptServer;
  // 0.0.0.0 reaches this machine's listeners on Linux, but is not a loopback name: it stands for
  // "another host" that the test can still observe.
  let elsewhere: string;

  beforeAll(async () => {
    emu = await startEmulator({ generate: 12, randomSeed: 21, token: TOKEN });
    hostile = await startScriptServer((_req, res) => json(res, 200, { value: [] }));
    elsewhere = hostile.baseUrl.replace('127.0.0.1', '0.0.0.0');
  });
  afterAll(async () => {
    await Promise.all([emu?.close(), hostile?.close()]);
  });

  it('a resealed plan naming another API is refused with both URLs, before any request, with or without REFPLAN_BASE_URL', async () => {
    const dir = tempTree();
    const planPath = join(dir, 'edited.json');
    // What an attacker with write access does: change baseUrl and recompute the (plain SHA-256) checksum.
    await writeTestPlan(planPath, emu.store.all(), elsewhere, { count: 2 });
    const before = emu.stats().requests.total;

    const plain = await runCli(['apply', planPath], { cwd: dir, env: { REFPLAN_TOKEN: TOKEN, REFPLAN_BASE_URL: '' } });
    expect(plain.code, plain.stderr).toBe(1);
    expect(plain.stderr).toContain(`was made against ${elsewhere}, but this run targets https://api.partner.microsoft.com/v1.0 (the default`);
    expect(plain.stderr).toMatch(/hint: If you trust that API, run again with --base-url/);

    const configured = await runCli(['apply', planPath, '--json'], { cwd: dir, env: { REFPLAN_TOKEN: TOKEN, REFPLAN_BASE_URL: emu.url } });
    expect(configured.code).toBe(1);
    expect(JSON.parse(configured.stderr)).toMatchObject({ error: { code: 'plan-other-api', exitCode: 1 } });
    expect(configured.stderr).toContain(emu.url);
    expect(configured.stderr).toContain(elsewhere);

    // Pointing the run at it explicitly is not enough either: plain http to another host.
    const overHttp = await runCli(['apply', planPath, '--base-url', elsewhere], { cwd: dir, env: { REFPLAN_TOKEN: TOKEN } });
    expect(overHttp.code).toBe(1);
    expect(overHttp.stderr).toMatch(/--base-url http:\/\/0\.0\.0\.0:\d+\/v1\.0 is plain http to another machine/);
    const plan = await runCli(['plan', 'x.yaml', '--base-url', elsewhere], { cwd: dir, env: { REFPLAN_TOKEN: TOKEN } });
    expect(plan.code).toBe(1);
    expect(plan.stderr).toMatch(/is plain http to another machine/);

    expect(hostile.seen).toEqual([]);
    expect(emu.stats().requests.total).toBe(before);
  });

  it("a plan made against an emulator on this machine still applies with nothing configured", async () => {
    const dir = tempTree();
    const planPath = join(dir, 'local.json');
    await writeTestPlan(planPath, emu.store.all(), emu.url, { count: 2, tag: 'local' });
    const r = await runCli(['apply', planPath], { cwd: dir, env: { REFPLAN_TOKEN: TOKEN, REFPLAN_BASE_URL: '' } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/2 applied/);
  });
});
