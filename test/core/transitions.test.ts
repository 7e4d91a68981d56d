import { describe, expect, it } from 'vitest';
import { isIrreversibleMove, isValidPair, judgeTransition } from '../../src/core/transitions.js';
import { loadTransitionTable } from '../../src/schema/specs.js';

const table = loadTransitionTable();

describe('judgeTransition against specs/transitions.json', () => {
  it('allows New/Pending -> Active/Accepted', () => {
    expect(judgeTransition(table, { status: 'New', substatus: 'Pending' }, { status: 'Active', substatus: 'Accepted' })).toEqual([]);
  });

  it('refuses backwards moves and names the allowed ones', () => {
    const v = judgeTransition(table, { status: 'Active', substatus: 'Accepted' }, { status: 'New', substatus: 'Pending' });
    expect(v.map((x) => x.code)).toContain('forbidden-move');
    expect(v.find((x) => x.code === 'forbidden-move')).toMatchObject({ allowed: ['Active', 'Closed'] });
  });

  it('refuses every edit of a terminal referral', () => {
    const v = judgeTransition(table, { status: 'Closed', substatus: 'Won' }, { status: 'Closed', substatus: 'Won' });
    expect(v).toEqual([expect.objectContaining({ code: 'terminal' })]);
  });

  it('refuses a substatus that does not belong to the status', () => {
    const v = judgeTransition(table, { status: 'New', substatus: 'Pending' }, { status: 'Active', substatus: 'Won' });
    expect(v.map((x) => x.code)).toEqual(['substatus-not-allowed']);
  });

  it('refuses the system-only Expired', () => {
    const v = judgeTransition(table, { status: 'Active', substatus: 'Accepted' }, { status: 'Closed', substatus: 'Expired' });
    expect(v.map((x) => x.code)).toEqual(['system-only']);
  });

  it('requires a reason for Lost only under the policy', () => {
    const before = { status: 'Active', substatus: 'Accepted' };
    const after = { status: 'Closed', substatus: 'Lost' };
    expect(judgeTransition(table, before, after)).toEqual([]);
    expect(judgeTransition(table, before, after, { enforcePolicy: true }).map((x) => x.code)).toEqual(['reason-required']);
    expect(judgeTransition(table, before, { ...after, statusReason: 'budget' }, { enforcePolicy: true })).toEqual([]);
  });

  it('matches enum literals case-insensitively', () => {
    expect(judgeTransition(table, { status: 'new', substatus: 'pending' }, { status: 'ACTIVE', substatus: 'accepted' })).toEqual([]);
  });

  it('derives irreversibility from the table', () => {
    expect(isIrreversibleMove(table, { status: 'New', substatus: 'Pending' }, { status: 'Active', substatus: 'Accepted' })).toBe(true);
    expect(isIrreversibleMove(table, { status: 'Active', substatus: 'Accepted' }, { status: 'Closed', substatus: 'Won' })).toBe(true);
    expect(isIrreversibleMove(table, { status: 'New', substatus: 'Pending' }, { status: 'New', substatus: 'Received' })).toBe(false);
    expect(isIrreversibleMove(table, { status: 'Active', substatus: 'Accepted' }, { status: 'Active', substatus: 'Accepted' })).toBe(false);
  });

  it('knows which pairs can exist', () => {
    expect(isValidPair(table, 'Closed', 'Lost')).toBe(true);
    expect(isValidPair(table, 'Active', 'Lost')).toBe(false);
  });
});
