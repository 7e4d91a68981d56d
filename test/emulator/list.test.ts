import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type EmulatorHandle } from '../../src/emulator/index.js';
import { call, makeReferral, referralsUrl } from './helpers.js';

let emu: EmulatorHandle;
let base: string;

// 230 generated referrals plus a few hand-made ones the filter tests can name.
const special = [
  makeReferral({
    id: 'aaaaaaaa-0000-4000-8000-000000000001',
    externalReferenceId: "CRM-O'Brien",
    status: 'New',
    substatus: 'Pending',
    direction: 'Incoming',
    updatedDateTime: '2030-01-01T00:00:00Z',
    customerProfile: { name: 'X', address: { country: 'IS' }, size: '1to9employees', ids: [] },
    team: [{ email: 'Jane.Doe@Contoso.com', firstName: 'Jane', lastName: 'Doe' }],
  }),
  makeReferral({
    id: 'aaaaaaaa-0000-4000-8000-000000000002',
    externalReferenceId: 'CRM-SPECIAL-2',
    updatedDateTime: '2030-06-01T00:00:00Z',
    customerProfile: { name: 'Y', address: { country: 'IS' }, size: '1to9employees', ids: [] },
    team: [{ email: 'other@contoso.com' }, { email: 'second@contoso.com' }],
  }),
];

beforeAll(async () => {
  emu = await startEmulator({ generate: 230, randomSeed: 7, referrals: special });
  base = referralsUrl(emu.url);
});
afterAll(() => emu.close());

const list = (query: string) => call('GET', `${base}?${query}`);
const filter = (f: string) => list(`$filter=${encodeURIComponent(f)}`);
const ids = (r: { json: { value: { id: string }[] } }) => r.json.value.map((v) => v.id);

async function followAll(first: string): Promise<{ pages: number; ids: string[]; counts: number[] }> {
  const seen: string[] = [];
  const counts: number[] = [];
  let url: string | undefined = first;
  let pages = 0;
  while (url !== undefined) {
    const r = await call('GET', url);
    expect(r.status).toBe(200);
    pages++;
    counts.push(r.json['@odata.count']);
    expect(r.json.value.length).toBeLessThanOrEqual(100);
    seen.push(...ids(r));
    url = r.json['@odata.nextLink'];
  }
  return { pages, ids: seen, counts };
}

describe('GET /referrals paging', () => {
  it('pages of at most 100 with @odata.count and an opaque nextLink until the last page', async () => {
    const all = await followAll(base);
    expect(all.pages).toBe(3);
    expect(all.ids).toHaveLength(232);
    expect(new Set(all.ids).size).toBe(232);
    expect(all.counts).toEqual([232, 232, 232]);
    const first = await call('GET', base);
    expect(first.json['@odata.nextLink']).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\.0\/engagements\/referrals\?\$skiptoken=[\w-]+$/);
    expect(first.json['@odata.context']).toContain('$metadata#Referrals');
  });

  it('keeps a stable order: the same walk twice gives the same sequence', async () => {
    const a = await followAll(base);
    const b = await followAll(base);
    expect(b.ids).toEqual(a.ids);
  });

  it('honours a smaller $top as the page size', async () => {
    const all = await followAll(`${base}?$top=40&$filter=${encodeURIComponent("status eq 'Active'")}`);
    const count = all.counts[0] as number;
    expect(all.pages).toBe(Math.ceil(count / 40));
    expect(all.ids).toHaveLength(count);
    const one = await list('$top=1');
    expect(one.json.value).toHaveLength(1);
    expect(one.json['@odata.count']).toBe(232);
  });

  it('caps $top at 100 and refuses a non-numeric $top and a forged $skiptoken', async () => {
    expect((await list('$top=500')).json.value).toHaveLength(100);
    const bad = await list('$top=ten');
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe('invalidRequest');
    const forged = await list('$skiptoken=not-a-token');
    expect(forged.status).toBe(400);
    expect(forged.json.error.message).toMatch(/skiptoken/);
  });

  it('orders by createdDateTime and updatedDateTime, asc and desc', async () => {
    for (const field of ['createdDateTime', 'updatedDateTime']) {
      for (const dir of ['asc', 'desc']) {
        const all: string[] = [];
        let url: string | undefined = `${base}?$orderby=${field}%20${dir}`;
        while (url !== undefined) {
          const r = await call('GET', url);
          all.push(...r.json.value.map((v: Record<string, string>) => v[field]));
          url = r.json['@odata.nextLink'];
        }
        expect(all).toHaveLength(232);
        const times = all.map((t) => Date.parse(t));
        const sorted = [...times].sort((x, y) => (dir === 'asc' ? x - y : y - x));
        expect(times).toEqual(sorted);
      }
    }
    const bad = await list('$orderby=name');
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toMatch(/createdDateTime or updatedDateTime/);
  });

  it('refuses query options it does not implement instead of ignoring them', async () => {
    const r = await list('$select=id');
    expect(r.status).toBe(400);
    expect(r.json.error.message).toContain('$select');
  });
});

describe('$filter', () => {
  it('eq on an enum field, matched case-insensitively', async () => {
    const r = await filter("status eq 'closed'");
    expect(r.status).toBe(200);
    expect(r.json['@odata.count']).toBeGreaterThan(0);
    expect(r.json.value.every((v: { status: string }) => v.status === 'Closed')).toBe(true);
  });

  it('ne', async () => {
    const all = (await list('$top=1')).json['@odata.count'];
    const closed = (await filter("status eq 'Closed'")).json['@odata.count'];
    const notClosed = await filter("status ne 'Closed'");
    expect(notClosed.json['@odata.count']).toBe(all - closed);
  });

  it('and, or and parentheses with the usual precedence', async () => {
    const a = (await filter("status eq 'Closed' and substatus eq 'Won'")).json['@odata.count'];
    const b = (await filter("status eq 'Closed' and substatus eq 'Lost'")).json['@odata.count'];
    const either = await filter("status eq 'Closed' and (substatus eq 'Won' or substatus eq 'Lost')");
    expect(either.json['@odata.count']).toBe(a + b);
    expect(a).toBeGreaterThan(0);
    // without parentheses `and` binds tighter: everything Won-closed plus everything Lost
    const noParens = await filter("status eq 'Closed' and substatus eq 'Won' or substatus eq 'Lost'");
    expect(noParens.json['@odata.count']).toBe(a + b);
    const notWon = await filter("status eq 'Closed' and not (substatus eq 'Won')");
    const closed = (await filter("status eq 'Closed'")).json['@odata.count'];
    expect(notWon.json['@odata.count']).toBe(closed - a);
  });

  it("single-quoted strings with '' for a quote, and null", async () => {
    const r = await filter("externalReferenceId eq 'CRM-O''Brien'");
    expect(ids(r)).toEqual(['aaaaaaaa-0000-4000-8000-000000000001']);
    const nulls = await filter('externalReferenceId eq null');
    expect(nulls.json['@odata.count']).toBeGreaterThan(0);
    expect(nulls.json.value.every((v: { externalReferenceId: unknown }) => v.externalReferenceId === null)).toBe(true);
  });

  it('id and engagementId', async () => {
    expect(ids(await filter("id eq 'aaaaaaaa-0000-4000-8000-000000000002'"))).toEqual(['aaaaaaaa-0000-4000-8000-000000000002']);
    const eng = special[0]?.['engagementId'] as string;
    expect(ids(await filter(`engagementId eq '${eng}'`))).toEqual(['aaaaaaaa-0000-4000-8000-000000000001']);
  });

  it('ge/gt/le/lt on updatedDateTime with unquoted and quoted date-times', async () => {
    expect(ids(await filter('updatedDateTime ge 2030-01-01T00:00:00Z'))).toEqual([
      'aaaaaaaa-0000-4000-8000-000000000001',
      'aaaaaaaa-0000-4000-8000-000000000002',
    ]);
    expect(ids(await filter('updatedDateTime gt 2030-01-01T00:00:00Z'))).toEqual(['aaaaaaaa-0000-4000-8000-000000000002']);
    expect(ids(await filter("updatedDateTime gt '2030-01-01T00:00:00Z' and updatedDateTime le 2030-06-01T00:00:00Z"))).toEqual([
      'aaaaaaaa-0000-4000-8000-000000000002',
    ]);
    const before = (await filter('updatedDateTime lt 2030-01-01T00:00:00Z')).json['@odata.count'];
    expect(before).toBe(230);
  });

  it('a path into the customer profile', async () => {
    const r = await filter("customerProfile/address/country eq 'IS'");
    expect(ids(r).sort()).toEqual(['aaaaaaaa-0000-4000-8000-000000000001', 'aaaaaaaa-0000-4000-8000-000000000002']);
  });

  it('team/any(t:t/email eq ...) lambda, case-insensitive on the address', async () => {
    expect(ids(await filter("team/any(t:t/email eq 'jane.doe@contoso.com')"))).toEqual(['aaaaaaaa-0000-4000-8000-000000000001']);
    expect(ids(await filter("team/any(m: m/email eq 'nobody@x.com' or m/email eq 'second@contoso.com')"))).toEqual([
      'aaaaaaaa-0000-4000-8000-000000000002',
    ]);
  });

  it('direction, type, qualification and substatus are filterable', async () => {
    for (const f of ["direction eq 'Incoming'", "type eq 'Shared'", "qualification eq 'Direct'", "substatus eq 'Pending'"]) {
      const r = await filter(f);
      expect(r.status, f).toBe(200);
      expect(r.json['@odata.count'], f).toBeGreaterThan(0);
    }
  });

  it('contains() and startswith() match text: case-insensitively on enum-like fields, exactly on the others', async () => {
    const all = emu.store.all() as { id: string; externalReferenceId?: string | null; customerProfile?: { address?: { country?: string } } }[];
    const r1 = await filter("startswith(customerProfile/address/country,'d')");
    expect(r1.status).toBe(200);
    const want1 = all.filter((r) => (r.customerProfile?.address?.country ?? '').toLowerCase().startsWith('d')).map((r) => r.id);
    expect((r1.json.value as { id: string }[]).map((r) => r.id)).toEqual(want1);
    expect(want1.length).toBeGreaterThan(0);
    const withCrm = all.find((r) => typeof r.externalReferenceId === 'string' && r.externalReferenceId.length > 3)!;
    const part = withCrm.externalReferenceId!.slice(1, 4);
    const r2 = await filter(`contains(externalReferenceId,'${part}')`);
    expect((r2.json.value as { id: string }[]).map((r) => r.id)).toEqual(all.filter((r) => (r.externalReferenceId ?? '').includes(part)).map((r) => r.id));
    const r3 = await filter(`contains(externalReferenceId,'${part.toLowerCase() === part ? part.toUpperCase() : part.toLowerCase()}')`);
    expect((r3.json.value as unknown[]).length).toBe(0);
  });

  it.each([
    ["name eq 'x'", /field 'name' cannot be filtered/],
    ["endswith(externalReferenceId,'x')", /function or lambda 'endswith\(\.\.\.\)' is not supported/],
    ["contains(name,'x')", /field 'name' cannot be filtered/],
    ["contains(updatedDateTime,'2026')", /works on text fields/],
    ['startswith(status,New)', /quoted string/],
    ["status gt 'New'", /operator 'gt' works only on date-times/],
    ["status eq 'New' xor substatus eq 'Pending'", /unexpected 'xor'/],
    ["status eq 'New", /not closed/],
    ['updatedDateTime ge yesterday', /date-time/],
    ["status has 'New'", /operator 'has' is not supported/],
    ["team/all(t:t/email eq 'a@b.c')", /team\/all/],
    ["team/any(t:t/firstName eq 'Jane')", /only t\/email can/],
    ["(status eq 'New'", /expected '\)'/],
    ['status eq 5', /quoted string/],
  ])('unsupported filter %s is a 400 naming the problem', async (f, message) => {
    const r = await filter(f);
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('invalidRequest');
    expect(r.json.error.target).toBe('$filter');
    expect(r.json.error.message).toMatch(message);
  });
});
