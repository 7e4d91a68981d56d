import { describe, expect, it } from 'vitest';
import { nounFor, plural } from '../../src/core/plural.js';
import type { ApplySummary, EntryResult } from '../../src/engine/events.js';
import { renderApplySummaryHuman } from '../../src/cli/views/apply-summary.js';
import { renderDiagnosticsHuman } from '../../src/cli/views/diagnostics-view.js';
import { renderPlanAs } from '../../src/cli/views/plan-view.js';
import { renderHtmlReport } from '../../src/cli/views/plan-html.js';
import { diskFullStop } from '../../src/engine/disk-full.js';
import { DiskFullError } from '../../src/core/errors.js';
import { samplePlan } from '../helpers/sample-plan.js';

/** A count with the wrong number of its noun, or the "(s)" that dodges the choice. */
const WRONG = [
  /\(s\)|\(es\)|\(ies\)/,
  /(?<![\d,.])1 (\w+ )?(entries|retries|changes|referrals|requests|read requests|errors|warnings|files|rows|conflicts|writes|problems|attempts|ops|bodies|cells)\b/,
  /(?<![\d,.])(0|[2-9]) (\w+ )?(entry|retry|change|referral|request|error|warning|file|row|conflict|write|problem|attempt|op|body|cell)\b(?! \w+ed\b)/,
  /\bbodys\b|\bentrys\b|\bretrys\b/,
];

function expectRightNumber(text: string): void {
  for (const re of WRONG) expect(text, `${re} in:\n${text}`).not.toMatch(re);
}

function applySummary(n: number, options: Partial<ApplySummary> = {}): ApplySummary {
  const results: EntryResult[] = Array.from({ length: n }, (_, i) => ({ referralId: `ref-${i}`, outcome: 'conflict', sources: [], message: 'changed since plan', attempts: 1 }) as unknown as EntryResult);
  return {
    planChecksum: 'c'.repeat(64),
    kind: 'plan',
    total: n,
    counts: { applied: n, unchanged: n, conflict: n, failed: n, skipped: n },
    results,
    exitCode: n > 0 ? 4 : 0,
    resumed: false,
    requests: n,
    retries: n,
    durationMs: 1000,
    files: { journal: 'p.journal.jsonl', rollback: 'p.rollback.json', results: 'p.results.csv', lock: 'p.lock' },
    notRestorable: n,
    ...options,
  } as ApplySummary;
}

describe('counts are worded in the right number (0, 1 and 2)', () => {
  it('plural and nounFor', () => {
    expect([0, 1, 2].map((n) => plural(n, 'retry', 'retries'))).toEqual(['0 retries', '1 retry', '2 retries']);
    expect([0, 1, 2].map((n) => plural(n, 'body'))).toEqual(['0 bodies', '1 body', '2 bodies']);
    expect([0, 1, 2].map((n) => plural(n, 'applied entry', 'applied entries'))).toEqual(['0 applied entries', '1 applied entry', '2 applied entries']);
    expect(plural(1604, 'referral')).toBe('1,604 referrals');
    expect([1, 2].map((n) => nounFor(n, 'is', 'are'))).toEqual(['is', 'are']);
  });

  for (const n of [0, 1, 2]) {
    it(`apply and rollback summaries with ${n}`, () => {
      const done = renderApplySummaryHuman(applySummary(n));
      expectRightNumber(done);
      expect(done).toContain(`apply: ${plural(n, 'entry', 'entries')}:`);
      expect(done).toContain(plural(n, 'retry', 'retries'));
      expect(done).toContain(plural(n, 'request'));
      expect(done).toContain(plural(n, 'conflict'));
      if (n > 0) expect(done).toContain(`(${plural(n, 'applied entry', 'applied entries')} cannot be undone`);
      expectRightNumber(renderApplySummaryHuman(applySummary(n, { interrupted: true, exitCode: 130 }), { verb: 'rollback' }));
      if (n > 0) {
        const settled = renderApplySummaryHuman(applySummary(n, { alreadyDone: true, exitCode: 0 }));
        expectRightNumber(settled);
        expect(settled).toMatch(n === 1 ? /the entry was settled by earlier runs/ : /all 2 entries were settled/);
      }
    });

    it(`validate, plan, show and HTML views with ${n}`, () => {
      const summary = { files: n, rows: n, changes: n, errors: 0, warnings: n, uneditedExportRows: n };
      expectRightNumber(renderDiagnosticsHuman([], summary, { color: false }));
      expectRightNumber(renderDiagnosticsHuman([], { ...summary, errors: n || 1 }, { color: false }));
      if (n === 0) return;
      const plan = samplePlan({ entries: n });
      for (const format of ['human', 'table', 'markdown'] as const) expectRightNumber(renderPlanAs(plan, format, { limit: 1 }));
      expectRightNumber(renderHtmlReport({ plan }).replace(/<[^>]+>/g, ' '));
    });

    it(`the disk-full stop with ${n} in flight`, () => {
      const cause = new DiskFullError('p.journal.jsonl', 'ENOSPC', 'no space left on device');
      const files = { journal: 'p.journal.jsonl', rollback: 'p.rollback.json', results: 'p.results.csv', lock: 'p.lock' } as never;
      const stop = diskFullStop(cause, { settled: 0, total: Math.max(1, n), files, inFlight: n });
      expectRightNumber(`${stop.message} ${stop.hint ?? ''}`);
    });
  }
});
