import { describe, expect, it } from 'vitest';
import { journalPathFor, rollbackPathFor } from '../../src/files/run-files.js';

describe('the files an apply keeps next to its plan', () => {
  it('a rollback of a rollback is PLAN.reapply.json, not PLAN.rollback.rollback.json', () => {
    expect(rollbackPathFor('/w/changes.plan.json')).toBe('/w/changes.plan.rollback.json');
    expect(rollbackPathFor('/w/changes.plan.rollback.json')).toBe('/w/changes.plan.reapply.json');
    expect(rollbackPathFor('/w/changes.plan.reapply.json')).toBe('/w/changes.plan.reapply.rollback.json');
    expect(journalPathFor('/w/changes.plan.rollback.json')).toBe('/w/changes.plan.rollback.journal.jsonl');
  });
});
