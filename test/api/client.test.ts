import { afterEach, describe, expect, it } from 'vitest';
import { createClient } from '../../src/api/client.js';
import { ApiError, AuthError, NetworkError, NotFoundError, PreconditionFailedError, RateLimitedError } from '../../src/api/errors.js';
import { createStaticTokenProvider } from '../../src/api/token.js';
import type { ClientEvent, ClientOptions, ReferralsClient } from '../../src/api/types.js';
import { json, manualClock, settle, startScriptServer, type ScriptHandler, type ScriptServer } from './script-server.js';

const TOKEN = 'tok-DISTINCTIVE-5f1c9a77e2';
const referral = (id: string, extra: Record<string, unknown> = {}) => ({ id, name: `Deal ${id}`, status: 'Active', substatus: 'Accepted', eTag: '"\\"e1\\""', ...extra });

let server: ScriptServer | undefined;
let client: ReferralsClient | undefined;
afterEach(async () => {
  await client?.close();
  await server?.close();
  client = undefined;
  server = undefined;
});

async function setup(handler: ScriptHandler, options: Partial<ClientOptions> = {}) {
  server = await startScriptServer(handler);
  const events: ClientEvent[] = [];
  client = createClient({
    baseUrl: server.baseUrl,
    token: createStaticTokenProvider(TOKEN),
    sleep: async () => {},
    random: () => 0.5,
    onEvent: (e) => events.push(e),
    ...options,
  });
  return { server, client, events };
}

describe('createClient over real HTTP', () => {
  it('GET sends the documented headers and returns the referral', async () => {
    const { server, client } = await setup((req, res) => json(res, 200, referral('r1')));
    const r = await client.getReferral('r1');
    expect(r.id).toBe('r1');
    const h = server.seen[0]!.headers;
    expect(server.seen[0]!.url).toBe('/v1.0/engagements/referrals/r1');
    expect(h['authorization']).toBe(`Bearer ${TOKEN}`);
    expect(h['accept']).toBe('application/json');
    expect(h['ms-correlationid']).toBe(client.correlationId);
    expect(h['ms-requestid']).toMatch(/^[0-9a-f-]{36}$/);
    expect(h['client-request-id']).toBe(h['ms-requestid']);
  });

  it('retries a GET after 503, reusing the request id; the correlation id is the same for the run', async () => {
    let n = 0;
    const { server, client, events } = await setup((req, res) => (n++ === 0 ? json(res, 503, { error: { code: 'serviceNotAvailable', message: 'busy' } }) : json(res, 200, referral('r1'))));
    await client.getReferral('r1');
    await client.getReferral('r2');
    const [a, b, c] = server.seen;
    expect(a!.headers['ms-requestid']).toBe(b!.headers['ms-requestid']);
    expect(c!.headers['ms-requestid']).not.toBe(a!.headers['ms-requestid']);
    expect(new Set(server.seen.map((s) => s.headers['ms-correlationid'])).size).toBe(1);
    expect(client.stats()).toMatchObject({ requests: 3, retries: 1, byMethod: { GET: 3 }, byStatus: { '503': 1, '200': 2 } });
    expect(events.some((e) => e.type === 'retry' && e.status === 503)).toBe(true);
  });

  it('gives up a GET after maxRetries with the ApiError of the last answer', async () => {
    const { server, client } = await setup((req, res) => json(res, 500, { error: { code: 'generalException', message: 'boom' } }), { maxRetries: 2 });
    const e = await client.getReferral('r1').catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ApiError);
    expect((e as ApiError).apiCode).toBe('generalException');
    expect(server.seen).toHaveLength(3);
  });

  it('retries a GET whose connection was reset', async () => {
    let n = 0;
    const { client } = await setup((req, res, raw) => (n++ === 0 ? raw.socket.destroy() : json(res, 200, referral('r1'))));
    expect((await client.getReferral('r1')).id).toBe('r1');
    expect(client.stats()).toMatchObject({ requests: 2, retries: 1, networkErrors: 1 });
  });

  it('429 with Retry-After pauses every request, not just the one that got it', async () => {
    const clock = manualClock();
    let first = true;
    const { server, client, events } = await setup(
      (req, res) => {
        if (first) {
          first = false;
          json(res, 429, { statusCode: 429, message: 'Rate limit is exceeded. Try again in 1 seconds.' }, { 'retry-after': '1' });
          return;
        }
        json(res, 200, referral(req.url.split('/').pop()!));
      },
      { now: clock.now, sleep: clock.sleep },
    );
    const a = client.getReferral('a');
    while (!events.some((e) => e.type === 'paused')) await settle(5);
    const b = client.getReferral('b');
    await settle(100);
    // During the pause nothing more reached the server: neither a's retry nor b.
    expect(server.seen).toHaveLength(1);
    expect(clock.held).toBeGreaterThanOrEqual(2);
    let done = false;
    const both = Promise.all([a, b]).finally(() => (done = true));
    // Let the pause (and the rate limiter's waits that follow it) pass.
    for (let i = 0; i < 50 && !done; i++) {
      clock.advance(1000);
      await settle(10);
    }
    const [ra, rb] = await both;
    expect([ra.id, rb.id]).toEqual(['a', 'b']);
    expect(server.seen.map((s) => s.url.split('/').pop()).sort()).toEqual(['a', 'a', 'b']);
    expect(server.seen[0]!.headers['ms-requestid']).toBe(server.seen.find((s, i) => i > 0 && s.url.endsWith('/a'))!.headers['ms-requestid']);
    const stats = client.stats();
    expect(stats).toMatchObject({ requests: 3, throttled: 1, retries: 1, pauses: 1 });
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['throttled', 'paused', 'resumed', 'rate']));
  });

  it('a write is retried after 429 (it was not processed) and gets RateLimitedError when 429s persist', async () => {
    let n = 0;
    const { server, client } = await setup((req, res) =>
      n++ === 0 ? json(res, 429, { statusCode: 429, message: 'slow down' }, { 'retry-after': '0' }) : json(res, 200, referral('r1', { name: 'new' })),
    );
    const r = await client.patchReferral('r1', [{ op: 'replace', path: '/name', value: 'new' }], { ifMatch: '"e1"', returnRepresentation: true });
    expect(r?.name).toBe('new');
    expect(server.seen.map((s) => s.method)).toEqual(['PATCH', 'PATCH']);
    expect(server.seen[0]!.headers['ms-requestid']).toBe(server.seen[1]!.headers['ms-requestid']);

    const { client: c2 } = await (async () => {
      await client.close();
      await server.close();
      return setup((req, res) => json(res, 429, { statusCode: 429, message: 'Rate limit is exceeded.' }, { 'retry-after': '0' }), { maxThrottleRetries: 1 });
    })();
    const e = await c2.patchReferral('r1', [{ op: 'replace', path: '/name', value: 'x' }]).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RateLimitedError);
    expect((e as RateLimitedError).apiCode).toBe('429');
    expect((e as RateLimitedError).status).toBe(429);
  });

  it('PATCH sends JSON Patch as application/json with If-Match verbatim and Prefer; 204 gives undefined', async () => {
    let n = 0;
    const { server, client } = await setup((req, res) => {
      if (n++ === 0) {
        json(res, 200, referral('r1', { details: { dealValue: 10000 }, eTag: undefined }), { etag: '"\\"e2\\""' });
      } else {
        res.writeHead(204, { 'content-length': '0' });
        res.end();
      }
    });
    const ops = [{ op: 'replace' as const, path: '/details/dealValue', value: 10000 }];
    const r = await client.patchReferral('r1', ops, { ifMatch: '"\\"e1\\""', returnRepresentation: true });
    expect(r?.eTag).toBe('"\\"e2\\""'); // from the ETag header when the body has none
    const seen = server.seen[0]!;
    expect(seen.method).toBe('PATCH');
    expect(seen.headers['content-type']).toBe('application/json');
    expect(seen.headers['if-match']).toBe('"\\"e1\\""');
    expect(seen.headers['prefer']).toBe('return=representation');
    expect(JSON.parse(seen.body)).toEqual(ops);
    expect(await client.patchReferral('r1', ops)).toBeUndefined();
    expect(server.seen[1]!.headers['prefer']).toBeUndefined();
    expect(server.seen[1]!.headers['if-match']).toBeUndefined();
  });

  it('maps both error body shapes and statuses to typed errors', async () => {
    const { client } = await setup((req, res) => {
      const id = req.url.split('/').pop();
      if (id === 'gone') return json(res, 404, { error: { code: 'itemNotFound', message: 'no such referral' } });
      if (id === 'stale') return json(res, 412, { error: { code: 'preconditionFailed', message: 'eTag mismatch' } });
      if (id === 'bad') return json(res, 400, { error: { code: 'invalidRequest', message: 'status cannot move back', target: 'status' } });
      return json(res, 403, { error: { code: 'accessDenied', message: 'no role' } });
    });
    const ops = [{ op: 'replace' as const, path: '/status', value: 'New' }];
    const gone = await client.getReferral('gone').catch((x: unknown) => x);
    expect(gone).toBeInstanceOf(NotFoundError);
    expect((gone as NotFoundError).apiCode).toBe('itemNotFound');
    const stale = (await client.patchReferral('stale', ops, { ifMatch: '"x"', requestId: 'req-412' }).catch((x: unknown) => x)) as PreconditionFailedError;
    expect(stale).toBeInstanceOf(PreconditionFailedError);
    expect(stale.message).toBe('PATCH /engagements/referrals/stale failed: 412 preconditionFailed (request id req-412): eTag mismatch');
    expect(stale.exitCode).toBe(1);
    const bad = (await client.patchReferral('bad', ops).catch((x: unknown) => x)) as ApiError;
    expect(bad.status).toBe(400);
    expect(bad.apiCode).toBe('invalidRequest');
    const denied = await client.getReferral('x').catch((x: unknown) => x);
    expect(denied).toBeInstanceOf(AuthError);
    expect(client.stats().requests).toBe(4); // none of these is retried
  });

  it('a write is not retried after 5xx: ApiError (retryable) and a global pause for Retry-After', async () => {
    const clock = manualClock();
    const { server, client } = await setup((req, res) => json(res, 503, { error: { code: 'serviceNotAvailable', message: 'later' } }, { 'retry-after': '2' }), {
      now: clock.now,
      sleep: clock.sleep,
    });
    const e = (await client.patchReferral('r1', [{ op: 'replace', path: '/name', value: 'n' }]).catch((x: unknown) => x)) as ApiError;
    expect(e.status).toBe(503);
    expect(e.retryable).toBe(true);
    expect(e.retryAfterMs).toBe(2000);
    expect(server.seen).toHaveLength(1);
    expect(client.stats().pauses).toBe(1);
  });

  it('a connection dropped after the server received a PATCH is an ambiguous NetworkError, not retried', async () => {
    const { server, client } = await setup((req, res, raw) => raw.socket.destroy());
    const e = (await client.patchReferral('r1', [{ op: 'replace', path: '/name', value: 'n' }], { ifMatch: '"e"' }).catch((x: unknown) => x)) as NetworkError;
    expect(e).toBeInstanceOf(NetworkError);
    expect(e.ambiguous).toBe(true);
    expect(e.cause).toBeDefined();
    expect(server.seen).toHaveLength(1);
  });

  it('a refused connection is a NetworkError that is not ambiguous', async () => {
    const probe = await startScriptServer(() => {});
    const url = probe.baseUrl;
    await probe.close();
    client = createClient({ baseUrl: url, token: createStaticTokenProvider(TOKEN), sleep: async () => {}, maxRetries: 1 });
    const e = (await client.patchReferral('r1', [{ op: 'replace', path: '/name', value: 'n' }]).catch((x: unknown) => x)) as NetworkError;
    expect(e).toBeInstanceOf(NetworkError);
    expect(e.ambiguous).toBe(false);
  });

  it('follows @odata.nextLink in the docs form (http://, no /engagements) onto the base URL', async () => {
    const { server, client } = await setup((req, res) => {
      if (req.url.includes('$skiptoken=abc')) return json(res, 200, { value: [referral('r3')], '@odata.count': 3 });
      return json(res, 200, {
        '@odata.count': 3,
        value: [referral('r1'), referral('r2')],
        '@odata.nextLink': 'http://api.partner.microsoft.com/v1.0/referrals?$skiptoken=abc',
      });
    });
    const ids: string[] = [];
    const counts: Array<number | undefined> = [];
    for await (const page of client.listReferrals({ filter: "status eq 'Active'", orderby: 'createdDateTime asc', top: 2 })) {
      ids.push(...page.value.map((r) => r.id));
      counts.push(page.count);
    }
    expect(ids).toEqual(['r1', 'r2', 'r3']);
    expect(counts).toEqual([3, 3]);
    expect(decodeURIComponent(server.seen[0]!.url)).toBe("/v1.0/engagements/referrals?$filter=status eq 'Active'&$orderby=createdDateTime asc&$top=2");
    expect(server.seen[1]!.url).toBe('/v1.0/engagements/referrals?$skiptoken=abc');
  });

  it('countReferrals uses one request with $top=1', async () => {
    const { server, client } = await setup((req, res) => json(res, 200, { '@odata.count': 42, value: [referral('r1')] }));
    expect(await client.countReferrals("status eq 'New'")).toBe(42);
    expect(server.seen).toHaveLength(1);
    expect(decodeURIComponent(server.seen[0]!.url)).toBe("/v1.0/engagements/referrals?$filter=status eq 'New'&$top=1");
  });

  it('the token appears in no error message, field, event or stats, even when the server echoes it', async () => {
    const { client, events } = await setup((req, res) => {
      if (req.method === 'PATCH') return json(res, 400, { error: { code: 'invalidRequest', message: `bad request with ${req.headers['authorization']}` } });
      return json(res, 503, { statusCode: 503, message: `you sent ${req.headers['authorization']}` });
    }, { maxRetries: 1 });
    const errors = [
      await client.getReferral('r1').catch((x: unknown) => x),
      await client.patchReferral('r1', [{ op: 'replace', path: '/name', value: 'n' }]).catch((x: unknown) => x),
    ] as ApiError[];
    for (const e of errors) {
      expect(e).toBeInstanceOf(ApiError);
      const dump = JSON.stringify({ ...e, message: e.message, hint: e.hint, stack: e.stack });
      expect(dump).not.toContain(TOKEN);
      expect(e.bodyExcerpt).toContain('[redacted]');
    }
    expect(JSON.stringify(events)).not.toContain(TOKEN);
    expect(JSON.stringify(client.stats())).not.toContain(TOKEN);
    expect(JSON.stringify(client)).not.toContain(TOKEN);
  });

  it('putReferral strips links and @odata fields; createReferral accepts 201', async () => {
    const { server, client } = await setup((req, res) => json(res, req.method === 'POST' ? 201 : 200, referral('r9')));
    await client.putReferral('r9', { ...referral('r9'), links: { self: { uri: 'x' } }, '@odata.context': 'c' }, { ifMatch: '"e"' });
    const sent = JSON.parse(server.seen[0]!.body) as Record<string, unknown>;
    expect(sent['links']).toBeUndefined();
    expect(sent['@odata.context']).toBeUndefined();
    expect(server.seen[0]!.headers['if-match']).toBe('"e"');
    expect((await client.createReferral({ name: 'n' })).id).toBe('r9');
    expect(server.seen[1]!.method).toBe('POST');
  });
});
