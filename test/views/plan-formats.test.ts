import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { PLAN_CSV_COLUMNS, renderPlanCsv } from '../../src/cli/views/plan-csv.js';
import { md, renderPlanMarkdown } from '../../src/cli/views/plan-markdown.js';
import { renderPlanTable } from '../../src/cli/views/plan-table.js';
import { widthOf } from '../../src/cli/views/text-fit.js';
import { samplePlan } from '../helpers/sample-plan.js';

const plan = samplePlan({ entries: 12, currencies: ['USD', 'JPY', 'EUR'], message: 'Close the Q3 deals lost to competitors' });

describe('table format', () => {
  it('is one line per referral with a header, the irreversible marked, and the message on top', () => {
    const lines = renderPlanTable(plan).trimEnd().split('\n');
    expect(lines[0]).toMatch(/^Plan [0-9a-f]{12}: Close the Q3 deals lost to competitors$/);
    expect(lines[1]).toBe('  REFERRAL   NAME     CHANGE');
    expect(lines.slice(2, -1)).toHaveLength(12);
    expect(lines[2]).toBe('  ref-00000  Deal 0   dealValue 1,000.00 → 1,500.00 USD');
    expect(lines[3]).toBe('! ref-00001  Deal 1   Active/Accepted → Closed/Lost; statusReason');
    expect(lines[4]).toBe('  ref-00002  Deal 2   team +1');
    expect(lines[6]).toBe('  ref-00004  Deal 4   dealValue 5,000 → 5,500 JPY');
    expect(lines.at(-1)).toBe('12 referrals · 3 irreversible (!)');
  });

  it('never cuts the id and fits the width; --limit caps the rows and says so', () => {
    const long = samplePlan({ entries: 4 });
    long.entries[0]!.referralId = '4111fffc-f9ee-4d53-bba6-569135228642';
    long.entries[0]!.label = 'A very long customer name that would never fit into a narrow terminal at all';
    const lines = renderPlanTable(long, { width: 60, limit: 2 }).trimEnd().split('\n');
    expect(lines[2]).toContain('4111fffc-f9ee-4d53-bba6-569135228642');
    expect(lines.every((l) => widthOf(l) <= 60)).toBe(true);
    expect(lines.at(-1)).toBe('4 referrals · 1 irreversible (!) · 2 not shown (--limit)');
  });

  it('prints control characters from the plan visibly, never raw', () => {
    const hostile = samplePlan({ entries: 2, message: 'ok\u001b]0;owned\u0007' });
    hostile.entries[0]!.label = 'Deal\u001b[2J\u202Eevil';
    const text = renderPlanTable(hostile);
    expect(text).not.toMatch(/[\u001b\u0007\u202e]/);
    expect(text).toContain('Deal\\x1B[2J\\u{202E}evil');
    expect(text.split('\n')[0]).toContain('ok\\x1B]0;owned\\x07');
  });
});

describe('CSV format', () => {
  it('has a BOM, CRLF, one row per referral with numbers Excel can sum beside their currency', () => {
    const text = renderPlanCsv(plan);
    expect(text.startsWith('\uFEFF')).toBe(true);
    expect(text).toContain('\r\n');
    const rows = parse(text, { bom: true, columns: true }) as Record<string, string>[];
    expect(Object.keys(rows[0]!)).toEqual([...PLAN_CSV_COLUMNS]);
    expect(rows).toHaveLength(12);
    expect(rows[4]).toMatchObject({ referralId: 'ref-00004', dealValueBefore: '5000', dealValueAfter: '5500', currencyBefore: 'JPY', currencyAfter: 'JPY', irreversible: 'no' });
    expect(rows[1]).toMatchObject({ statusBefore: 'Active/Accepted', statusAfter: 'Closed/Lost', irreversible: 'yes', dealValueBefore: '' });
    expect(rows[3]!['input']).toBe('changes.csv: row 5');
  });

  it('escapes cells that Excel would run as formulas, and masks contact details', () => {
    const hostile = samplePlan({ entries: 3 });
    hostile.entries[0]!.label = '=HYPERLINK("http://evil.example","click")';
    hostile.entries[1]!.label = '+1+cmd|" /C calc"!A0';
    hostile.entries[2]!.label = '@SUM(A1)';
    hostile.entries[0]!.warnings = ['\u001b[2Jcleared'];
    const rows = parse(renderPlanCsv(hostile), { bom: true, columns: true }) as Record<string, string>[];
    expect(rows.map((r) => r['name'])).toEqual([`'=HYPERLINK("http://evil.example","click")`, `'+1+cmd|" /C calc"!A0`, `'@SUM(A1)`]);
    expect(rows[0]!['warnings']).toBe('\\x1B[2Jcleared');
    const text = renderPlanCsv(samplePlan({ entries: 4 }));
    expect(text).toContain('asked by m***@contoso.com');
    expect(text).not.toContain('mike@contoso.com');
    expect(renderPlanCsv(samplePlan({ entries: 4 }), { showPii: true })).toContain('mike@contoso.com');
  });
});

describe('Markdown format', () => {
  it('has the message as heading, the counts, money per currency and a capped entries table', () => {
    const text = renderPlanMarkdown(plan, { limit: 5 });
    expect(text.startsWith('### Close the Q3 deals lost to competitors\n')).toBe(true);
    expect(text).toContain('Changes **12 referrals** with 21 ops · **⚠ 3 irreversible** (cannot be undone through the API)');
    expect(text).toContain('| EUR | 1 | 9,000.00 | 9,500.00 | +500.00 |');
    expect(text).toContain('| JPY | 1 | 5,000 | 5,500 | +500 |');
    expect(text).toContain('| Active/Accepted → Closed/Lost | 3 |');
    expect(text).toContain('<details><summary>First 5 of 12 entries</summary>');
    expect(text).toContain('| ⚠ | `ref-00001` | Deal 1 | Active/Accepted → Closed/Lost; statusReason |');
    expect(text).toContain('… and 7 more');
  });

  it('keeps text from the plan inert: no table break, no HTML, no mention, no line break', () => {
    expect(md('a|b')).toBe('a\\|b');
    expect(md('<img src=x onerror=alert(1)>')).toBe('&lt;img src=x onerror=alert(1)&gt;');
    expect(md('ping @org/sales and @alice')).toBe('ping @\u200Borg/sales and @\u200Balice');
    expect(md('j***@contoso.com')).toBe('j\\*\\*\\*@\u200Bcontoso.com');
    expect(md('line one\nline two\u001b[31m')).toBe('line one line two \\[31m');
    expect(md('[click](http://evil.example) `code` $x$')).toBe('\\[click\\](http://evil.example) \\`code\\` \\$x\\$');
    const hostile = samplePlan({ entries: 2, message: 'cc @everyone | <b>now</b>' });
    hostile.entries[0]!.label = 'Deal | with pipe\nand newline';
    const text = renderPlanMarkdown(hostile);
    expect(text.split('\n')[0]).toBe('### cc @\u200Beveryone \\| &lt;b&gt;now&lt;/b&gt;');
    expect(text).toContain('|  | `ref-00000` | Deal \\| with pipe and newline | dealValue 1,000.00 → 1,500.00 USD |');
  });
});
