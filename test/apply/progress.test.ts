import { describe, expect, it } from 'vitest';
import type { ApplySummary, EntryResult } from '../../src/engine/events.js';
import { createProgressView, formatDuration } from '../../src/cli/views/progress.js';
import { renderApplySummaryHuman } from '../../src/cli/views/apply-summary.js';

function stream(isTTY: boolean) {
  const chunks: string[] = [];
  return { chunks, isTTY, columns: 200, write: (s: string) => chunks.push(s) };
}

const result = (outcome: EntryResult['outcome'], id = 'r'): EntryResult => ({ referralId: id, sources: [], outcome, attempts: 1 });

function summary(results: EntryResult[]): ApplySummary {
  const counts = { applied: 0, unchanged: 0, conflict: 0, failed: 0, skipped: 0 };
  for (const r of results) counts[r.outcome] += 1;
  return {
    planChecksum: 'x'.repeat(64), kind: 'plan', total: results.length, counts, results,
    exitCode: counts.failed > 0 ? 5 : counts.conflict > 0 ? 4 : 0, resumed: false, requests: 12, retries: 2, durationMs: 1500,
    files: { journal: 'p.journal.jsonl', rollback: 'p.rollback.json', results: 'p.results.csv', lock: 'p.lock' }, notRestorable: 1,
  };
}

describe('progress view', () => {
  it('on a TTY rewrites one line with done/total, rate, ETA, retries and conflicts', () => {
    let t = 0;
    const out = stream(true);
    const view = createProgressView(out, { now: () => t, redrawMs: 0 });
    view.handle({ type: 'start', total: 4, toRun: 4, earlier: 0, kind: 'plan', planChecksum: 'c', resumed: false });
    t = 1000;
    view.handle({ type: 'entry-done', result: result('applied'), done: 1, total: 4 });
    view.handle({ type: 'retry', attempt: 1, reason: '503', delayMs: 10 });
    t = 2000;
    view.handle({ type: 'entry-done', result: result('conflict'), done: 2, total: 4 });
    const last = out.chunks.at(-1)!;
    expect(last.startsWith('\r\x1b[2K')).toBe(true);
    expect(last).toContain('2/4 (50%)');
    expect(last).toContain('1.0/s');
    expect(last).toContain('ETA 2s');
    expect(last).toContain('retries 1');
    expect(last).toContain('conflicts 1');
    expect(out.chunks.join('')).not.toContain('\n');
    view.handle({ type: 'done', summary: summary([result('applied'), result('conflict')]) });
    expect(out.chunks.at(-1)).toBe('\n');
  });

  it('does not count entries a Ctrl+C left unsent as done', () => {
    const out = stream(false);
    const view = createProgressView(out, { now: () => 1000, intervalMs: 60_000 });
    view.handle({ type: 'start', total: 4, toRun: 4, earlier: 0, kind: 'plan', planChecksum: 'c', resumed: false });
    view.handle({ type: 'entry-done', result: result('applied'), done: 1, total: 4 });
    view.handle({ type: 'entry-done', result: result('skipped'), done: 2, total: 4 });
    view.handle({ type: 'entry-done', result: result('skipped'), done: 3, total: 4 });
    view.handle({ type: 'done', summary: summary([result('applied'), result('skipped'), result('skipped')]) });
    const last = out.chunks.join('').trim().split('\n').at(-1) ?? '';
    expect(last).toContain('1/4 (25%)');
    expect(last).toContain('stopped, 2 not sent');
  });

  it('off a TTY prints plain lines only at start, on the interval and at the end', () => {
    let t = 0;
    const out = stream(false);
    const view = createProgressView(out, { now: () => t, intervalMs: 60_000 });
    view.handle({ type: 'start', total: 3, toRun: 2, earlier: 1, kind: 'plan', planChecksum: 'c', resumed: true });
    for (let i = 2; i <= 3; i++) {
      t += 500;
      view.handle({ type: 'entry-done', result: result('applied'), done: i, total: 3 });
    }
    view.handle({ type: 'done', summary: summary([result('applied')]) });
    const text = out.chunks.join('');
    expect(text).not.toContain('\r');
    expect(text.split('\n').filter((l) => l !== '')).toEqual([
      'apply: resuming: 1 of 3 entries settled by an earlier run; 2 to go',
      'apply: 1/3 (33%) · 0.0/s · ETA ? · retries 0 · conflicts 0',
      'apply: 3/3 (100%) · 2.0/s · ETA 0s · retries 0 · conflicts 0',
    ]);
  });

  it('formats durations', () => {
    expect(formatDuration(5)).toBe('5s');
    expect(formatDuration(125)).toBe('2m05s');
    expect(formatDuration(3 * 3600 + 60)).toBe('3h01m');
  });
});

describe('apply summary view', () => {
  it('lists conflicts with their field diffs and says what to do', () => {
    const conflict: EntryResult = {
      ...result('conflict', 'abc'), label: 'Contoso', sources: [{ file: 'c.csv', row: 3 }], message: 'changed since plan: /details/notes',
      changedSincePlan: [{ path: '/details/notes', planned: 'old', now: 'theirs' }],
    };
    const text = renderApplySummaryHuman(summary([result('applied'), conflict]));
    expect(text).toContain('apply: 2 entries: 1 applied, 0 unchanged, 1 conflict, 0 failed.');
    expect(text).toContain('CONFLICT abc "Contoso" (c.csv: row 3): changed since plan: /details/notes');
    expect(text).toContain('/details/notes: planned from "old", now "theirs"');
    expect(text).toMatch(/--rebase/);
    expect(text).toContain('rollback: p.rollback.json (1 applied entry cannot be undone');
  });
});
