import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../../src/emulator/index.js';
import { call, makeReferral, referralsUrl } from './helpers.js';

let emu: EmulatorHandle;
let base: string;

const ACTIVE = 'bbbbbbbb-0000-4000-8000-000000000001';
const NEW = 'bbbbbbbb-0000-4000-8000-000000000002';
const WON = 'bbbbbbbb-0000-4000-8000-000000000003';

beforeAll(async () => {
  emu = await startEmulator({
    referrals: [
      makeReferral({ id: ACTIVE }),
      makeReferral({ id: NEW, status: 'New', substatus: 'Pending', direction: 'Incoming' }),
      makeReferral({ id: WON, status: 'Closed', substatus: 'Won', statusReason: 'signed' }),
    ],
  });
  base = referralsUrl(emu.url);
});
afterAll(() => emu.close());
beforeEach(() => emu.reset());

const url = (id: string) => `${base}/${id}`;
const patch = (id: string, body: unknown, headers: Record<string, string> = {}) =>
  call('PATCH', url(id), { body, headers: { prefer: 'return=representation', ...headers } });
const expectInvalid = (r: { status: number; json: any }, message: RegExp) => {
  expect(r.status).toBe(400);
  expect(r.json.error.code).toBe('invalidRequest');
  expect(r.json.error.message).toMatch(message);
};

describe('GET /referrals/{id}', () => {
  it('answers 200 with the referral, its eTag in the body and the ETag header', async () => {
    const r = await call('GET', url(ACTIVE));
    expect(r.status).toBe(200);
    expect(r.json.id).toBe(ACTIVE);
    expect(r.json.eTag).toBe(`"${ACTIVE}-v1"`);
    expect(r.headers['etag']).toBe(r.json.eTag);
    expect(r.json['@odata.context']).toMatch(/\$metadata#Referrals\/\$entity$/);
  });

  it('answers 404 itemNotFound in the documented error shape', async () => {
    const r = await call('GET', url('00000000-0000-0000-0000-000000000000'));
    expect(r.status).toBe(404);
    expect(Object.keys(r.json.error).sort()).toEqual(['code', 'innerError', 'message', 'target']);
    expect(r.json.error.code).toBe('itemNotFound');
  });
});

describe('POST /referrals', () => {
  const body = {
    name: 'New deal',
    type: 'independent',
    status: 'New',
    substatus: 'Pending',
    id: 'client-chosen-id',
    customerProfile: { name: 'Fourth Coffee', address: { country: 'US' }, size: 'morethan500employees', ids: [] },
    consent: { consentToToShareInfoWithOthers: true, consentToContact: true },
    details: { dealValue: '25000', currency: 'USD' },
  };

  it('creates with server fields assigned, Active/Accepted from transitions.json, enums in API spelling', async () => {
    const r = await call('POST', base, { body });
    expect(r.status).toBe(201);
    expect(r.json.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.json.id).not.toBe('client-chosen-id');
    expect(r.json.engagementId).toMatch(/^[0-9a-f-]{36}$/);
    expect(r.json.eTag).toMatch(/^"[0-9a-f-]{36}"$/);
    expect(r.json.status).toBe('Active');
    expect(r.json.substatus).toBe('Accepted');
    expect(r.json.type).toBe('Independent');
    expect(r.json.customerProfile.size).toBe('Morethan500employees');
    expect(r.json.details.dealValue).toBe(25000);
    expect(r.json.createdDateTime).toBe(r.json.updatedDateTime);
    expect(r.json.links.self.uri).toContain(r.json.id);
    expect(r.headers['location']).toBe(`${base}/${r.json.id}`);
    const read = await call('GET', url(r.json.id));
    expect(read.json.name).toBe('New deal');
    expect(emu.stats().commits.byId[r.json.id]).toBe(1);
  });

  it('checks required fields and names the missing one', async () => {
    const { consent: _omit, ...rest } = body;
    const r = await call('POST', base, { body: rest });
    expectInvalid(r, /consent/);
  });
});

describe('PATCH /referrals/{id}', () => {
  it('applies replace and add, stores a numeric string dealValue as a number, and renews eTag and updatedDateTime', async () => {
    const before = (await call('GET', url(ACTIVE))).json;
    const r = await patch(ACTIVE, [
      { op: 'replace', path: '/details/dealValue', value: '12500.50' },
      { op: 'replace', path: '/details/notes', value: 'changed' },
      { op: 'add', path: '/team/-', value: { email: 'jane@example.com', firstName: 'Jane' } },
      { op: 'add', path: '/externalReferenceId', value: 'CRM-1' },
    ]);
    expect(r.status).toBe(200);
    expect(r.json.details.dealValue).toBe(12500.5);
    expect(r.json.details.notes).toBe('changed');
    expect(r.json.team.map((m: { email: string }) => m.email)).toEqual(['john.doe@example.com', 'jane@example.com']);
    expect(r.json.externalReferenceId).toBe('CRM-1');
    expect(r.json.eTag).not.toBe(before.eTag);
    expect(r.json.eTag).toMatch(/^"[0-9a-f-]{36}"$/);
    expect(r.headers['etag']).toBe(r.json.eTag);
    expect(Date.parse(r.json.updatedDateTime)).toBeGreaterThan(Date.parse(before.updatedDateTime));
    const again = (await call('GET', url(ACTIVE))).json;
    expect(again.eTag).toBe(r.json.eTag);
  });

  it('without Prefer answers 204 with an empty body and Content-Length 0', async () => {
    const r = await call('PATCH', url(ACTIVE), { body: [{ op: 'replace', path: '/details/notes', value: 'x' }] });
    expect(r.status).toBe(204);
    expect(r.text).toBe('');
    expect(r.headers['content-length']).toBe('0');
    expect((await call('GET', url(ACTIVE))).json.details.notes).toBe('x');
  });

  it.each(['remove', 'move', 'copy', 'test'])('refuses a %s operation with 400 invalidRequest and writes nothing', async (op) => {
    const r = await patch(ACTIVE, [{ op, path: '/details/notes', from: '/name', value: 'x' }]);
    expectInvalid(r, new RegExp(`'${op}' is not supported`));
    expect(emu.stats().commits.total).toBe(0);
  });

  it('refuses a read-only path, naming it', async () => {
    const r = await patch(ACTIVE, [{ op: 'replace', path: '/customerProfile/name', value: 'Evil' }]);
    expectInvalid(r, /\/customerProfile\/name is read-only/);
    expect(r.json.error.target).toBe('/customerProfile/name');
    const id = await patch(ACTIVE, [{ op: 'replace', path: '/id', value: 'x' }]);
    expectInvalid(id, /\/id is read-only/);
    const unknown = await patch(ACTIVE, [{ op: 'replace', path: '/favorite', value: true }]);
    expectInvalid(unknown, /\/favorite is not writable/);
  });

  it('validates the document after the whole patch: status and substatus change together', async () => {
    const statusOnly = await patch(NEW, [{ op: 'replace', path: '/status', value: 'Active' }]);
    expectInvalid(statusOnly, /substatus Pending is not allowed with status Active/);
    const both = await patch(NEW, [
      { op: 'replace', path: '/status', value: 'active' },
      { op: 'replace', path: '/substatus', value: 'ACCEPTED' },
    ]);
    expect(both.status).toBe(200);
    expect([both.json.status, both.json.substatus]).toEqual(['Active', 'Accepted']);
  });

  it('refuses a backwards move, a system-only substatus and a schema violation', async () => {
    expectInvalid(
      await patch(ACTIVE, [
        { op: 'replace', path: '/status', value: 'New' },
        { op: 'replace', path: '/substatus', value: 'Pending' },
      ]),
      /cannot move from Active to New/,
    );
    expectInvalid(
      await patch(ACTIVE, [
        { op: 'replace', path: '/status', value: 'Closed' },
        { op: 'replace', path: '/substatus', value: 'Expired' },
      ]),
      /set only by the service/,
    );
    expectInvalid(await patch(ACTIVE, [{ op: 'replace', path: '/details/dealValue', value: 'lots' }]), /dealValue must be number/);
    expectInvalid(await patch(ACTIVE, [{ op: 'replace', path: '/details/currency', value: 'euro' }]), /currency/);
    expect(emu.stats().commits.total).toBe(0);
  });

  it('lets Lost close without a reason (the reason policy is refplan\'s, not the API\'s)', async () => {
    const r = await patch(ACTIVE, [
      { op: 'replace', path: '/status', value: 'Closed' },
      { op: 'replace', path: '/substatus', value: 'Lost' },
    ]);
    expect(r.status).toBe(200);
  });

  it('a terminal referral rejects every edit', async () => {
    expectInvalid(await patch(WON, [{ op: 'replace', path: '/details/notes', value: 'late note' }]), /terminal state/);
    expectInvalid(await patch(WON, [{ op: 'replace', path: '/substatus', value: 'Won' }]), /terminal state/);
  });

  it('If-Match: the current eTag passes, a stale one is 412 preconditionFailed and nothing changes', async () => {
    const current = (await call('GET', url(ACTIVE))).json.eTag as string;
    const ok = await patch(ACTIVE, [{ op: 'replace', path: '/details/notes', value: 'one' }], { 'if-match': current });
    expect(ok.status).toBe(200);
    const stale = await patch(ACTIVE, [{ op: 'replace', path: '/details/notes', value: 'two' }], { 'if-match': current });
    expect(stale.status).toBe(412);
    expect(stale.json.error.code).toBe('preconditionFailed');
    expect((await call('GET', url(ACTIVE))).json.details.notes).toBe('one');
    expect(emu.stats().commits.byId[ACTIVE]).toBe(1);
  });

  it('answers 400 for a body that is not JSON or not an array, and 404 for an unknown id', async () => {
    expectInvalid(await patch(ACTIVE, '[{"op":'), /not valid JSON/);
    expectInvalid(await patch(ACTIVE, { op: 'replace' }), /JSON Patch array/);
    expectInvalid(await patch(ACTIVE, '[{"op":"add","path":"/team/-","value":{"__proto__":{"x":1}}}]'), /__proto__/);
    expect((await patch('nope', [{ op: 'replace', path: '/name', value: 'x' }])).status).toBe(404);
  });
});

describe('PUT /referrals/{id}', () => {
  const get = async (id: string) => (await call('GET', url(id))).json;

  it('replaces the document with If-Match, ignores links and read-only fields, answers 200 with the body', async () => {
    const current = await get(ACTIVE);
    const body = {
      ...current,
      id: 'some-other-id',
      createdDateTime: '1999-01-01T00:00:00Z',
      customerProfile: { name: 'Changed Name Inc' },
      links: { self: { uri: 'http://evil', method: 'GET' } },
      name: 'Renamed by PUT',
      details: { ...current.details, dealValue: '777' },
    };
    const r = await call('PUT', url(ACTIVE), { body, headers: { 'if-match': current.eTag } });
    expect(r.status).toBe(200);
    expect(r.json.id).toBe(ACTIVE);
    expect(r.json.name).toBe('Renamed by PUT');
    expect(r.json.details.dealValue).toBe(777);
    expect(r.json.createdDateTime).toBe(current.createdDateTime);
    expect(r.json.customerProfile).toEqual(current.customerProfile);
    expect(r.json.links).toBeUndefined();
    expect(r.json.eTag).not.toBe(current.eTag);
    expect(r.headers['etag']).toBe(r.json.eTag);
  });

  it('requires If-Match (400) and refuses a stale one (412)', async () => {
    const current = await get(ACTIVE);
    const missing = await call('PUT', url(ACTIVE), { body: current });
    expectInvalid(missing, /If-Match header is required/);
    const stale = await call('PUT', url(ACTIVE), { body: current, headers: { 'if-match': '"stale"' } });
    expect(stale.status).toBe(412);
  });

  it('applies the same validation as PATCH', async () => {
    const current = await get(ACTIVE);
    const back = await call('PUT', url(ACTIVE), { body: { ...current, status: 'New', substatus: 'Pending' }, headers: { 'if-match': current.eTag } });
    expectInvalid(back, /cannot move from Active to New/);
    const won = await get(WON);
    const terminal = await call('PUT', url(WON), { body: { ...won, name: 'x' }, headers: { 'if-match': won.eTag } });
    expectInvalid(terminal, /terminal state/);
    expect(emu.stats().commits.total).toBe(0);
  });
});

describe('auth and headers', () => {
  it('401 without a bearer token', async () => {
    const none = await call('GET', url(ACTIVE), { auth: false });
    expect(none.status).toBe(401);
    expect(none.json.error.code).toBe('unauthenticated');
    const basic = await call('GET', url(ACTIVE), { auth: false, headers: { authorization: 'Basic abc' } });
    expect(basic.status).toBe(401);
  });

  it('echoes MS-CorrelationId, MS-RequestId and client-request-id', async () => {
    const r = await call('GET', url(ACTIVE), {
      headers: { 'MS-CorrelationId': 'corr-1', 'MS-RequestId': 'req-1', 'client-request-id': 'client-1' },
    });
    expect(r.headers['ms-correlationid']).toBe('corr-1');
    expect(r.headers['ms-requestid']).toBe('req-1');
    expect(r.headers['client-request-id']).toBe('client-1');
    expect(r.headers['request-id']).toBe('req-1');
    const err = await call('GET', url('missing'), { headers: { 'MS-CorrelationId': 'corr-2' } });
    expect(err.headers['ms-correlationid']).toBe('corr-2');
  });

  it('with the token option only that exact token passes', async () => {
    const strict = await startEmulator({ token: 's3cret', referrals: [makeReferral({ id: ACTIVE })] });
    try {
      const u = `${referralsUrl(strict.url)}/${ACTIVE}`;
      expect((await call('GET', u)).status).toBe(401);
      expect((await call('GET', u, { auth: false, headers: { authorization: 'Bearer s3cret' } })).status).toBe(200);
      expect((await call('GET', `${strict.url.replace('/v1.0', '')}/_emulator/stats`, { auth: false })).status).toBe(200);
    } finally {
      await strict.close();
    }
  });
});
