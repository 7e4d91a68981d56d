import { describe, expect, it } from 'vitest';
import { renderPlanHuman } from '../../src/cli/views/plan-human.js';
import { renderPlanTable } from '../../src/cli/views/plan-table.js';
import { terminalWidth, truncate, widthOf, wrap } from '../../src/cli/views/text-fit.js';
import type { Plan } from '../../src/core/plan.js';
import { samplePlan } from '../helpers/sample-plan.js';

const CURRENCIES = ['USD', 'EUR', 'JPY', 'GBP', 'KWD', 'CHF', 'INR', 'BRL', 'AUD'];

/** The plan the issue describes: 2,000 changes, 9 currencies, long and wide names, long notes, many sources. */
function bigMessyPlan(): Plan {
  const plan = samplePlan({ entries: 2000, currencies: CURRENCIES, message: 'Quarter-end clean-up: close the deals lost to competitors, correct deal values after the pipeline review, and add the new account owners' });
  plan.entries.forEach((e, i) => {
    if (i % 3 === 0) e.label = `Contoso Worldwide Holdings International — renewal of the enterprise agreement ${i} with a very long name`;
    if (i % 3 === 1) e.label = `株式会社テスト商事 大型案件 ${i} 東京本社 クラウド移行プロジェクト`;
    if (i % 4 === 3) e.after['/details/notes'] = 'x'.repeat(300);
    if (i % 10 === 0) e.sources = Array.from({ length: 12 }, (_, k) => ({ file: `changes/very/long/folder/name/batch-${k}.csv`, row: 1000 + k }));
    if (i % 7 === 0) e.warnings = [`a long warning about this referral that goes on and on to make sure it wraps within the terminal width ${'y'.repeat(120)}`];
  });
  plan.inputs = Array.from({ length: 5 }, (_, k) => ({ file: `changes/very/long/folder/name/batch-${k}.csv`, sha256: 'c'.repeat(64) }));
  return plan;
}

const linesOf = (text: string) => text.split('\n');
const widest = (text: string) => Math.max(...linesOf(text).map(widthOf));

describe('human view of a big plan stays readable', () => {
  const plan = bigMessyPlan();

  it.each([80, 120, 40])('fits every line into %i columns', (width) => {
    const text = renderPlanHuman(plan, { width, limit: 200 });
    expect(widest(text)).toBeLessThanOrEqual(width);
    expect(renderPlanTable(plan, { width }).split('\n').every((l) => widthOf(l) <= width)).toBe(true);
  });

  it('formats money per currency and names the currency on every money diff', () => {
    const text = renderPlanHuman(plan, { width: 120, limit: 2000 });
    // Entry 8 is the third deal-value entry: JPY, whole yen.
    expect(text).toContain('    dealValue  9,000 JPY → 9,500 JPY\n');
    expect(text).not.toMatch(/\d\.00 JPY/);
    const moneyDiffs = linesOf(text).filter((l) => l.startsWith('    dealValue  '));
    expect(moneyDiffs).toHaveLength(500);
    for (const line of moneyDiffs) expect(line).toMatch(/^ {4}dealValue {2}[\d,.]+ ([A-Z]{3}) → [\d,.]+ \1$/);
    expect(text).toContain('    dealValue  5,000.000 KWD → 5,500.000 KWD\n'.replace('5,000.000', '17,000.000').replace('5,500.000', '17,500.000'));
  });

  it('prints the totals one currency per line, aligned', () => {
    const text = renderPlanHuman(plan);
    const start = linesOf(text).indexOf('    dealValue on 500 referrals, totals per currency:');
    expect(start).toBeGreaterThan(0);
    const totals = linesOf(text).slice(start + 1, start + 10);
    expect(totals.map((l) => l.trim().slice(0, 3))).toEqual([...CURRENCIES].sort());
    expect(new Set(totals.map((l) => l.indexOf('('))).size).toBe(1);
    expect(totals.find((l) => l.includes('JPY'))).toMatch(/^ {6}JPY {2} +\+[\d,]+ {2}\([\d,]+ → [\d,]+\)$/);
  });

  it('shows eTags only with verbose', () => {
    expect(renderPlanHuman(plan, { limit: 5 })).not.toContain('eTag');
    const verbose = renderPlanHuman(plan, { limit: 5, verbose: true, width: 200 });
    expect(verbose).toMatch(/^~ ref-00000 .* eTag W\/"1"$/m);
    expect(verbose).toContain(`(sha256 ${'c'.repeat(64)})`);
  });

  it('opens with the plan message, wrapped', () => {
    const text = renderPlanHuman(plan, { width: 80 });
    expect(text).toMatch(/^Plan [0-9a-f]{12}: Quarter-end clean-up: close the deals lost to competitors,\n {2}correct deal values/);
  });

  it('says how many sources it left out rather than running off the line', () => {
    expect(renderPlanHuman(plan, { width: 130, limit: 1 })).toMatch(/row 1000; changes\/very\/long\/folder\/name\/batch-1\.csv: row 1001 \(\+10 more\)$/m);
    const text = renderPlanHuman(plan, { width: 80, limit: 1 });
    expect(text).toMatch(/^ {4}from changes\/very\/long\/folder\/name\/batch-0\.csv: row 1000(; .*)? \(\+\d+ more\)$/m);
  });
});

describe('terminal width', () => {
  it('is COLUMNS when set, else the TTY width, else 80; never below 40', () => {
    expect(terminalWidth({ isTTY: true, columns: 132 }, {})).toBe(132);
    expect(terminalWidth({ isTTY: true, columns: 132 }, { COLUMNS: '100' })).toBe(100);
    expect(terminalWidth({ isTTY: false, columns: 132 }, {})).toBe(80);
    expect(terminalWidth({}, { COLUMNS: '200' })).toBe(200);
    expect(terminalWidth({}, { COLUMNS: 'wide' })).toBe(80);
    expect(terminalWidth({}, { COLUMNS: '10' })).toBe(40);
  });

  it('measures display columns: wide characters count two, text is cut on whole characters', () => {
    expect(widthOf('株式会社')).toBe(8);
    expect(truncate('株式会社テスト', 7)).toBe('株式会…');
    expect(widthOf(truncate('株式会社テスト', 7))).toBeLessThanOrEqual(7);
    expect(truncate('short', 10)).toBe('short');
    expect(wrap('aaa bbb ccc', 7, '', '  ')).toEqual(['aaa bbb', '  ccc']);
    expect(wrap('x'.repeat(25), 10, '> ')).toEqual(['> xxxxxxxx', '> xxxxxxxx', '> xxxxxxxx', '> x']);
  });
});
