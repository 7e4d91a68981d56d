import { describe, expect, it } from 'vitest';
import { putToPatch } from '../../src/core/put-to-patch.js';
import type { Referral } from '../../src/core/referral.js';
import { putToPatch as publicPutToPatch } from '../../src/index.js';
import { ID, referral, table, writablePaths } from './plan-fixtures.js';

const options = { writablePaths };

/** A legacy PUT body shaped like the documented example: every server field included. */
function legacyBody(over: Partial<Referral> = {}): Referral {
  return {
    ...referral(ID.active),
    engagementId: '37ef26aa-1d15-4533-9f93-a69bd33ab1e5',
    expirationDateTime: '2018-11-14T00:00:00Z',
    type: 'Independent',
    target: [{ type: 'BusinessProfileLocation', id: '01e2abcd' }],
    customerProfile: { name: 'Contoso', address: { country: 'US' } },
    consent: { consentToContact: true },
    inviteContext: { notes: 'hi' },
    links: { self: { uri: 'x' } },
    ...over,
  };
}

describe('putToPatch', () => {
  it('turns a full PUT body into the smallest patch and lists what it dropped, with reasons', () => {
    const current = referral(ID.active);
    const desired = legacyBody({
      status: 'Closed',
      substatus: 'Won',
      statusReason: 'Customer engagement was a success!',
      eTag: '"body-etag"',
      details: { dealValue: '50000' as unknown as number, currency: 'USD', notes: 'first call done', closingDateTime: '2026-06-30T00:00:00Z', requirements: { industries: [] } },
    });
    const result = putToPatch(current, desired, options);
    expect(result.ops).toEqual([
      { op: 'replace', path: '/status', value: 'Closed' },
      { op: 'replace', path: '/substatus', value: 'Won' },
      { op: 'replace', path: '/statusReason', value: 'Customer engagement was a success!' },
      { op: 'replace', path: '/details/dealValue', value: 50000 },
    ]);
    const dropped = Object.fromEntries(result.dropped.map((d) => [d.path, d]));
    expect(Object.keys(dropped).sort()).toEqual(
      ['/consent', '/createdDateTime', '/customerProfile', '/details/requirements', '/eTag', '/engagementId', '/expirationDateTime', '/id', '/inviteContext', '/links', '/target', '/type', '/updatedDateTime'].sort(),
    );
    expect(dropped['/links']).toEqual({ path: '/links', reason: 'navigation links; must not be sent back', changed: true });
    expect(dropped['/id']).toMatchObject({ reason: 'assigned by the service', changed: false });
    expect(dropped['/details/requirements']?.reason).toMatch(/not in specs\/writable-paths.json/);
    expect(result.bodyETag).toBe('"body-etag"');
    expect(result.conflicts).toEqual([]);
  });

  it('never clears what the body leaves out; it warns instead', () => {
    const current = referral(ID.active);
    const desired: Referral = { id: ID.active, name: 'Renamed', details: { dealValue: 1000 } };
    const result = putToPatch(current, desired, options);
    expect(result.ops).toEqual([{ op: 'replace', path: '/name', value: 'Renamed' }]);
    expect(result.warnings).toEqual(
      expect.arrayContaining([expect.stringMatching(/^\/status is not in the body/), expect.stringMatching(/^\/details\/notes is not in the body/), expect.stringMatching(/^\/team is not in the body/)]),
    );
  });

  it('appends new team members with add /team/- and replaces a team that changed otherwise', () => {
    const current = referral(ID.active);
    const jane = { email: 'jane@contoso.com' };
    const joe = { email: 'joe@contoso.com' };
    expect(putToPatch(current, { ...current, team: [...(current.team ?? []), jane, joe] }, options).ops).toEqual([
      { op: 'add', path: '/team/-', value: jane },
      { op: 'add', path: '/team/-', value: joe },
    ]);
    expect(putToPatch(current, { ...current, team: [jane] }, options).ops).toEqual([{ op: 'replace', path: '/team', value: [jane] }]);
    const noTeam = referral(ID.active);
    delete noTeam.team;
    expect(putToPatch(noTeam, { ...noTeam, team: [jane] }, options).ops).toEqual([{ op: 'add', path: '/team', value: [jane] }]);
  });

  it('adds a missing details object in one op and refuses values it cannot send', () => {
    const current = referral(ID.active);
    delete current.details;
    const result = putToPatch(current, { ...current, name: null as unknown as string, details: { dealValue: 10, currency: 'EUR', notes: null } }, options);
    expect(result.ops).toEqual([{ op: 'add', path: '/details', value: { dealValue: 10, currency: 'EUR' } }]);
    expect(result.dropped.filter((d) => d.changed)).toEqual([{ path: '/name', reason: 'cannot be cleared: the API needs a value here', changed: true }]);
  });

  it('drops prototype keys from a parsed body without throwing', () => {
    const current = referral(ID.active);
    const desired = JSON.parse(`{"id":"${ID.active}","__proto__":{"polluted":true},"notes":"x"}`) as Referral;
    const result = putToPatch(current, desired, options);
    expect(result.ops).toEqual([]);
    expect(result.dropped.map((d) => d.path).sort()).toEqual(['/__proto__', '/id', '/notes']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('warns when the API will refuse the patch (edit of a Won referral)', () => {
    const current = referral(ID.won, { status: 'Closed', substatus: 'Won' });
    const result = putToPatch(current, { ...current, details: { ...current.details, dealValue: 1 } }, { writablePaths, table });
    expect(result.warnings.join('\n')).toMatch(/the API will refuse this patch: .*terminal state/);
  });

  describe('three-way merge with a baseline', () => {
    const baseline = referral(ID.active);
    it('patches only what the client changed, keeps others\' edits, and reports conflicts', () => {
      const current = { ...baseline, name: 'Renamed by someone else', details: { ...baseline.details, notes: 'server note', dealValue: 1500 } };
      const desired = { ...baseline, qualification: 'MarketingQualified', details: { ...baseline.details, notes: 'client note', dealValue: 1500 } };
      const result = putToPatch(current, desired, { writablePaths, baseline });
      expect(result.ops).toEqual([{ op: 'replace', path: '/qualification', value: 'MarketingQualified' }]);
      expect(result.conflicts).toEqual([{ path: '/details/notes', baseline: 'first call done', current: 'server note', desired: 'client note' }]);
    });

    it('a date-time the client only re-spelled is not its change, so a newer server value is kept without a conflict', () => {
      const base = referral(ID.active, { details: { ...baseline.details, closingDateTime: '2026-06-30T00:00:00.0000000Z' } });
      const current = { ...base, details: { ...base.details, closingDateTime: '2026-09-30T00:00:00.0000000Z' } };
      // The legacy client read base and PUT it back as its serializer writes a date.
      const desired = { ...base, details: { ...base.details, closingDateTime: '2026-06-30T00:00:00Z' } };
      const result = putToPatch(current, desired, { writablePaths, baseline: base });
      expect(result.conflicts).toEqual([]);
      expect(result.ops).toEqual([]);
    });

    it('merges team members both sides appended', () => {
      const other = { email: 'other@contoso.com' };
      const mine = { email: 'mine@contoso.com' };
      const team = baseline.team ?? [];
      const result = putToPatch({ ...baseline, team: [...team, other] }, { ...baseline, team: [...team, mine] }, { writablePaths, baseline });
      expect(result.ops).toEqual([{ op: 'add', path: '/team/-', value: mine }]);
      expect(result.conflicts).toEqual([]);
      const reordered = putToPatch({ ...baseline, team: [other] }, { ...baseline, team: [mine] }, { writablePaths, baseline });
      expect(reordered.ops).toEqual([]);
      expect(reordered.conflicts.map((c) => c.path)).toEqual(['/team']);
    });
  });

  it('is exported from the package with the specs loaded by default', () => {
    const current = referral(ID.active);
    expect(publicPutToPatch(current, { ...current, name: 'x' }).ops).toEqual([{ op: 'replace', path: '/name', value: 'x' }]);
  });
});
