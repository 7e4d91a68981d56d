import { describe, expect, it } from 'vitest';
import type { PlanEntry } from '../../src/core/plan.js';
import type { Referral } from '../../src/core/referral.js';
import { judgeServerState } from '../../src/engine/judge-server-state.js';

/** An entry that moves the closing date, as a change set spells it (`…Z`). */
const entry: PlanEntry = {
  referralId: 'r1',
  sources: [{ file: 'changes.csv', row: 2 }],
  eTag: '"e1"',
  before: { '/details/closingDateTime': '2026-01-31T00:00:00.0000000Z' },
  after: { '/details/closingDateTime': '2026-03-31T00:00:00Z' },
  ops: [{ op: 'replace', path: '/details/closingDateTime', value: '2026-03-31T00:00:00Z' }],
  inverse: [{ op: 'replace', path: '/details/closingDateTime', value: '2026-01-31T00:00:00.0000000Z' }],
  irreversible: false,
  warnings: [],
};

const server = (closing: string, eTag: string): Referral => ({ id: 'r1', eTag, details: { closingDateTime: closing } }) as unknown as Referral;

describe('judgeServerState', () => {
  it('counts a date-time the server spells differently (…00.0000000Z) as the planned value after an ambiguous write', () => {
    // The API answers the instant in its own spelling; our write is there, so it is applied, not a conflict.
    const verdict = judgeServerState(entry, server('2026-03-31T00:00:00.0000000Z', '"e2"'), '"e1"', { mayHaveCommitted: true, rebase: false });
    expect(verdict).toEqual({ kind: 'applied', eTag: '"e2"' });
  });

  it('sees no change since plan when a touched date-time only changed spelling, so --rebase re-sends', () => {
    const rollbackLike: PlanEntry = { ...entry, before: { '/details/closingDateTime': '2026-01-31T00:00:00Z' } };
    const verdict = judgeServerState(rollbackLike, server('2026-01-31T00:00:00.0000000Z', '"e3"'), '"e1"', { mayHaveCommitted: false, rebase: true });
    expect(verdict).toEqual({ kind: 'rebase', eTag: '"e3"' });
  });

  it('still reports a real change of a touched date-time as a conflict', () => {
    const verdict = judgeServerState(entry, server('2026-02-28T00:00:00Z', '"e3"'), '"e1"', { mayHaveCommitted: true, rebase: true });
    expect(verdict.kind).toBe('conflict');
  });

  describe('a write that may have committed, then was edited by someone else', () => {
    const two: PlanEntry = {
      ...entry,
      before: { '/details/notes': 'old', '/details/dealValue': 1 },
      after: { '/details/notes': 'new', '/details/dealValue': 2 },
      ops: [
        { op: 'replace', path: '/details/notes', value: 'new' },
        { op: 'replace', path: '/details/dealValue', value: 2 },
      ],
      inverse: [],
    };
    const doc = (notes: string, dealValue: number, eTag: string) => ({ id: 'r1', eTag, details: { notes, dealValue } }) as unknown as Referral;

    it('is applied when a field holds our value (a PATCH is atomic), naming the field someone else changed', () => {
      const verdict = judgeServerState(two, doc('theirs', 2, '"e3"'), '"e1"', { mayHaveCommitted: true, rebase: false });
      expect(verdict).toEqual({ kind: 'applied', eTag: '"e3"', changedAfterApply: [{ path: '/details/notes', planned: 'new', now: 'theirs' }] });
    });

    it('is a conflict when nothing of ours is there, or when our write cannot have committed', () => {
      expect(judgeServerState(two, doc('theirs', 7, '"e3"'), '"e1"', { mayHaveCommitted: true, rebase: false }).kind).toBe('conflict');
      expect(judgeServerState(two, doc('theirs', 2, '"e3"'), '"e1"', { mayHaveCommitted: false, rebase: false }).kind).toBe('conflict');
    });
  });
});
