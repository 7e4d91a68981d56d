import { describe, expect, it } from 'vitest';
import { withPreviousRun } from '../../bench/rate-matrix.js';

describe('the rate matrix in bench/results.json', () => {
  it('keeps the run before it, whichever command made that one ("twice in a row" is read off the file)', () => {
    const before = { date: '2026-12-02T06:07:00.000Z', command: 'npm run bench:rate', load: [1, 1, 1], met: 33, cells: [], table: '| a |' };
    const run = { date: '2026-12-02T07:00:00.000Z', command: 'npm run bench', met: 34 };
    const kept = withPreviousRun(run, { rateMatrix: before, other: 1 });
    expect(kept).toMatchObject({ date: run.date, command: 'npm run bench', met: 34 });
    expect(kept.previousRun).toEqual({ date: before.date, command: 'npm run bench:rate', load: [1, 1, 1], met: 33, table: '| a |' });
  });

  it('counts the cells that met their goal when an older file has no count', () => {
    const cells = [{ meetsGoal: true }, { meetsGoal: false }, { meetsGoal: true }];
    expect(withPreviousRun({}, { rateMatrix: { cells } }).previousRun).toMatchObject({ met: 2 });
    expect(withPreviousRun({}, {}).previousRun).toBeNull();
  });
});
