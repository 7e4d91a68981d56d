import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Referral } from '../../src/core/referral.js';
import { startEmulator } from '../../src/emulator/index.js';
import { startProxy, type ProxyRequestEvent, type RunningProxy } from '../../src/engine/proxy.js';
import { builtCli, repoRoot } from '../helpers/run-cli.js';
import { activeReferral } from './legacy-fixtures.js';

const TOKEN = 'proxy-secret-token-7f3a9c1e5b';
const auth = { authorization: `Bearer ${TOKEN}` };
const ids = {
  owned: '0a1b2c3d-0000-4000-8000-000000000001',
  stale: '0a1b2c3d-0000-4000-8000-000000000002',
  noop: '0a1b2c3d-0000-4000-8000-000000000003',
  shadow: '0a1b2c3d-0000-4000-8000-000000000004',
  cli: '0a1b2c3d-0000-4000-8000-000000000005',
};

let emulator: Awaited<ReturnType<typeof startEmulator>>;
let proxy: RunningProxy;
const events: ProxyRequestEvent[] = [];

async function call(method: 'GET' | 'PUT' | 'PATCH', url: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await request(url, {
    method,
    headers: { ...auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, json: text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>) };
}

const byMethod = () => emulator.stats().requests.byMethod as Record<string, number | undefined>;

beforeAll(async () => {
  emulator = await startEmulator({
    token: TOKEN,
    referrals: Object.values(ids).map((id) => activeReferral(id)),
  });
  proxy = await startProxy({ upstream: emulator.url, onRequest: (e) => events.push(e) });
});

afterAll(async () => {
  await proxy?.close();
  await emulator?.close();
});

describe('refplan proxy (library) in front of the emulator', () => {
  it('prints its URL as http://127.0.0.1:PORT/v1.0 and passes a GET through unchanged', async () => {
    expect(proxy.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\.0$/);
    const direct = await call('GET', `${emulator.url}/engagements/referrals/${ids.owned}`);
    const viaProxy = await call('GET', `${proxy.url}/engagements/referrals/${ids.owned}`);
    expect(viaProxy.status).toBe(200);
    expect(viaProxy.json).toEqual(direct.json);
    expect(viaProxy.headers['etag']).toBe(direct.headers['etag']);
    const list = await call('GET', `${proxy.url}/engagements/referrals?$filter=${encodeURIComponent(`id eq '${ids.owned}'`)}`);
    expect(list.status).toBe(200);
    expect((list.json?.['value'] as Referral[]).map((r) => r.id)).toEqual([ids.owned]);
  });

  it("turns a legacy PUT into a PATCH; fields the body leaves out keep another client's concurrent edits", async () => {
    const url = `${proxy.url}/engagements/referrals/${ids.owned}`;
    // The legacy client builds its body from its own CRM data: only the fields it owns.
    const read = await call('GET', url);
    const mine = read.json as unknown as Referral;
    // Meanwhile another client sets the CRM id and adds a team member, directly on the API.
    const other = await call(
      'PATCH',
      `${emulator.url}/engagements/referrals/${ids.owned}`,
      [
        { op: 'replace', path: '/externalReferenceId', value: 'CRM-OTHER-1' },
        { op: 'add', path: '/team/-', value: { email: 'colleague@fabrikam.example', firstName: 'Cole' } },
      ],
      { prefer: 'return=representation' },
    );
    expect(other.status).toBe(200);
    const putsBefore = byMethod()['PUT'] ?? 0;
    const body = { id: ids.owned, status: mine.status, substatus: mine.substatus, details: { ...mine.details, dealValue: 2500 }, eTag: other.json?.['eTag'] };
    const res = await call('PUT', url, body, { 'if-match': other.json?.['eTag'] as string });
    expect(res.status).toBe(200);
    expect(res.json?.['id']).toBe(ids.owned);
    expect((res.json?.['details'] as Record<string, unknown>)['dealValue']).toBe(2500);
    // What a PUT of this body would have wiped is still there.
    expect(res.json?.['externalReferenceId']).toBe('CRM-OTHER-1');
    expect((res.json?.['team'] as { email: string }[]).map((m) => m.email)).toEqual(['owner@fabrikam.example', 'colleague@fabrikam.example']);
    expect(res.json?.['name']).toBe(mine.name);
    expect(byMethod()['PUT'] ?? 0).toBe(putsBefore);
    expect(byMethod()['PATCH']).toBeGreaterThanOrEqual(2);
    const event = events.find((e) => e.method === 'PUT' && e.referralId === ids.owned);
    expect(event).toMatchObject({ mode: 'patch', ops: 1, status: 200 });
  });

  it('answers a PUT with a stale If-Match with the upstream 412 and its error body', async () => {
    const url = `${proxy.url}/engagements/referrals/${ids.stale}`;
    const read = await call('GET', url);
    const staleETag = read.json?.['eTag'] as string;
    await call('PATCH', `${emulator.url}/engagements/referrals/${ids.stale}`, [{ op: 'replace', path: '/details/notes', value: 'changed by someone else' }]);
    const body = { ...(read.json as object), details: { ...(read.json?.['details'] as object), dealValue: 9999 } };
    const res = await call('PUT', url, body, { 'if-match': staleETag });
    expect(res.status).toBe(412);
    expect((res.json?.['error'] as { code: string }).code).toBe('preconditionFailed');
    const now = await call('GET', `${emulator.url}/engagements/referrals/${ids.stale}`);
    expect((now.json?.['details'] as Record<string, unknown>)['dealValue']).toBe(1000);
    expect(byMethod()['PUT'] ?? 0).toBe(0);
  });

  it('answers a PUT that changes nothing with 200 and the current referral, without a PATCH', async () => {
    const url = `${proxy.url}/engagements/referrals/${ids.noop}`;
    const read = await call('GET', url);
    const patchesBefore = byMethod()['PATCH'] ?? 0;
    const res = await call('PUT', url, read.json, { 'if-match': read.json?.['eTag'] as string });
    expect(res.status).toBe(200);
    expect(res.json?.['eTag']).toBe(read.json?.['eTag']);
    expect(byMethod()['PATCH'] ?? 0).toBe(patchesBefore);
    expect(events.find((e) => e.referralId === ids.noop && e.method === 'PUT')).toMatchObject({ mode: 'no-op', ops: 0, status: 200 });
  });

  it('passes the upstream error through when the referral does not exist', async () => {
    const res = await call('PUT', `${proxy.url}/engagements/referrals/ffffffff-0000-4000-8000-000000000000`, { id: 'x', details: { dealValue: 1 } }, { 'if-match': '"any"' });
    expect(res.status).toBe(404);
    expect((res.json?.['error'] as { code: string }).code).toBe('itemNotFound');
  });

  it('--shadow forwards the original PUT and reports the patch it would have sent', async () => {
    const shadowEvents: ProxyRequestEvent[] = [];
    const shadow = await startProxy({ upstream: emulator.url, shadow: true, onRequest: (e) => shadowEvents.push(e) });
    try {
      const url = `${shadow.url}/engagements/referrals/${ids.shadow}`;
      const read = await call('GET', url);
      const putsBefore = byMethod()['PUT'] ?? 0;
      const body = { ...(read.json as object), details: { ...(read.json?.['details'] as object), notes: 'shadow notes' } };
      const res = await call('PUT', url, body, { 'if-match': read.json?.['eTag'] as string });
      expect(res.status).toBe(200);
      expect(byMethod()['PUT']).toBe(putsBefore + 1);
      const e = shadowEvents.find((x) => x.method === 'PUT');
      expect(e).toMatchObject({ mode: 'shadow', status: 200, ops: 1 });
      expect(e?.shadowPatch).toEqual([{ op: 'replace', path: '/details/notes', value: 'shadow notes' }]);
    } finally {
      await shadow.close();
    }
  });
});

describe('refplan proxy with its upstream down', () => {
  it('answers 502 with an error body and still logs the request', async () => {
    const seen: ProxyRequestEvent[] = [];
    // Port 9 (discard) on loopback: nothing listens there, so the connection is refused.
    const down = await startProxy({ upstream: 'http://127.0.0.1:9/v1.0', onRequest: (e) => seen.push(e) });
    try {
      const res = await call('GET', `${down.url}/engagements/referrals/${ids.owned}`);
      expect(res.status).toBe(502);
      expect((res.json?.['error'] as { code: string }).code).toBe('badGateway');
      expect(seen).toEqual([expect.objectContaining({ method: 'GET', referralId: ids.owned, status: 502 })]);
      expect(JSON.stringify(seen)).not.toContain(TOKEN);
    } finally {
      await down.close();
    }
  });
});

describe('refplan proxy (built CLI)', () => {
  it('prints the URL first, logs one line per request without the Authorization header, and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [builtCli, 'proxy', '--upstream', emulator.url, '--port', '0'], {
      cwd: repoRoot,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const lines: string[] = [];
    let wake: () => void = () => undefined;
    let ended = false;
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      wake();
    });
    const exited = new Promise<number | null>((resolve) =>
      child.on('close', (code) => {
        ended = true;
        wake();
        resolve(code);
      }),
    );
    const waitForLines = async (n: number) => {
      while (lines.length < n) {
        if (ended) throw new Error(`the proxy exited early; stderr: ${stderr}`);
        await new Promise<void>((resolve) => (wake = resolve));
      }
    };
    try {
      await waitForLines(1);
      expect(lines[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\.0$/);
      const url = `${lines[0]}/engagements/referrals/${ids.cli}`;
      const read = await call('GET', url);
      const res = await call('PUT', url, { ...(read.json as object), statusReason: 'cli run' }, { 'if-match': read.json?.['eTag'] as string });
      expect(res.status).toBe(200);
      await waitForLines(3);
      expect(lines[1]).toMatch(new RegExp(`^GET ${ids.cli} ops=- status=200 \\d+ms$`));
      expect(lines[2]).toMatch(new RegExp(`^PUT ${ids.cli} ops=1 status=200 \\d+ms patch`));
      // An id that URL-decodes to a newline, a fake log entry and a screen clear: still one line, quoted and escaped.
      await call('GET', `${lines[0]}/engagements/referrals/x%0APUT%20${ids.cli}%20ops=9%20status=200%1B%5B2J`);
      await call('GET', url);
      await waitForLines(5);
      expect(lines[3]).toMatch(new RegExp(`^GET "x\\\\nPUT ${ids.cli} ops=9 status=200\\\\u001b\\[2J" ops=- status=404 \\d+ms$`));
      expect(lines[4]).toMatch(new RegExp(`^GET ${ids.cli} ops=- status=200 \\d+ms$`));
      expect(lines.join('\n')).not.toMatch(/\x1b/);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(lines.join('\n') + stderr).not.toContain(TOKEN);
    expect(lines.join('\n') + stderr).not.toMatch(/authorization|bearer/i);
  });
});
