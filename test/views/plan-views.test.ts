import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { renderPlanHuman } from '../../src/cli/views/plan-human.js';
import { PlanHumanView, PlanJsonView, colorEnabled, createPlanView } from '../../src/cli/views/plan-view.js';
import { writePlan } from '../../src/files/plan-file.js';
import { samplePlan, samplePlanBody } from '../helpers/sample-plan.js';
import { tempTree } from '../helpers/temp-dir.js';

function captureStream(isTTY: boolean): Writable & { isTTY: boolean; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer | string, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  }) as Writable & { isTTY: boolean; text: () => string };
  stream.isTTY = isTTY;
  stream.text = () => chunks.join('');
  return stream;
}

const ESC = '\u001b[';

describe('human plan view', () => {
  const plan = samplePlan({ entries: 9 });

  it('starts with the summary: counts by action and by field, totals and status moves', () => {
    const text = renderPlanHuman(plan);
    const summaryAt = text.indexOf('Summary: will change 9 referrals with 15 ops, 2 irreversible');
    expect(summaryAt).toBeGreaterThan(0);
    expect(summaryAt).toBeLessThan(text.indexOf('Changes ('));
    expect(text).toContain('    dealValue on 3 referrals, totals per currency:\n      USD  +1,500.00  (15,000.00 → 16,500.00)\n');
    expect(text).toContain('    status on 2 referrals; 2 → Closed/Lost\n');
    expect(text).toMatch(/^ {4}close \(Lost\) +2 referrals$/m);
    expect(text).toMatch(/^ {4}add team member +2 referrals$/m);
    expect(text).toMatch(/^ {4}Active\/Accepted → Closed\/Lost +2$/m);
  });

  it('calls out irreversible changes before the diffs and tags their entries', () => {
    const text = renderPlanHuman(plan);
    expect(text).toContain('! 2 changes cannot be undone through the API');
    expect(text).toContain('    ref-00001  Deal 1  Active/Accepted → Closed/Lost\n');
    expect(text).toMatch(/^~ ref-00001 {2}"Deal 1" {2}\[irreversible\]$/m);
  });

  it('shows before → after per path and team additions as "+ member"', () => {
    const text = renderPlanHuman(plan);
    expect(text).toContain('    dealValue  1,000.00 USD → 1,500.00 USD\n');
    expect(text).toContain('    statusReason  (none) → Customer chose a competitor\n');
    expect(text).toContain('    team  + j***@contoso.com (Jane Doe, ***-***-0002)\n');
    expect(text).toContain('    from changes.csv: row 4\n');
  });

  it('masks contact details unless showPii', () => {
    const masked = renderPlanHuman(plan);
    expect(masked).not.toMatch(/jane\.doe\d+@contoso\.com|bob@northwind\.com|mike@contoso\.com|555-0199|425-555/);
    expect(masked).toContain('Call back b***@northwind.com or ***-***-0199');
    expect(masked).toContain('warning: asked by m***@contoso.com');
    const shown = renderPlanHuman(plan, { showPii: true });
    expect(shown).toContain('+ jane.doe2@contoso.com (Jane Doe, +1 425-555-0002)');
    expect(shown).toContain('bob@northwind.com or +1 (206) 555-0199');
  });

  it('caps the diffs at --limit (default 50) and says how to see the rest', () => {
    const big = samplePlan({ entries: 120 });
    const text = renderPlanHuman(big);
    expect(text.match(/^~ ref-/gm)).toHaveLength(50);
    expect(text).toContain('Changes (first 50 of 120):');
    expect(text).toContain('… and 70 more (use a higher --limit, or --referral ID)');
    expect(text).toContain('    … and 20 more (marked [irreversible] below)');
    const five = renderPlanHuman(big, { limit: 5 });
    expect(five.match(/^~ ref-/gm)).toHaveLength(5);
    expect(five).toContain('… and 115 more (use a higher --limit, or --referral ID)');
    const summaryOnly = renderPlanHuman(big, { limit: 0 });
    expect(summaryOnly).not.toMatch(/^~ /m);
    expect(summaryOnly).toContain('Summary: will change 120 referrals');
  });

  it('shows only the requested referrals with referralIds', () => {
    const text = renderPlanHuman(samplePlan({ entries: 120 }), { referralIds: ['ref-00042', 'ref-00007'] });
    expect(text.match(/^~ ref-\d+/gm)).toEqual(['~ ref-00007', '~ ref-00042']);
    expect(text).toContain('Changes (2):');
    expect(text).not.toContain('more (use --limit');
  });

  it('renders the summary from plan.summary, not from a recount', () => {
    const doctored = samplePlan({ entries: 4 });
    doctored.summary.byField['dealValue'] = 999;
    doctored.summary.dealValue['EUR'] = { before: 10, after: 5 };
    const text = renderPlanHuman(doctored);
    expect(text).toContain('dealValue on 999 referrals');
    expect(text).toMatch(/^ {6}EUR {4}\u22125\.00 {2}\(10\.00 → 5\.00\)$/m);
  });

  it('uses "will restore" wording for rollback files and lists what is not restorable', () => {
    const rollback = samplePlan({
      kind: 'rollback',
      entries: 3,
      notRestorable: [{ referralId: 'ref-00001', before: { '/status': 'Active', '/substatus': 'Accepted' }, reason: 'closing a referral cannot be undone' }],
    });
    const text = renderPlanHuman(rollback, { width: 120 });
    expect(text).toMatch(/^Rollback plan [0-9a-f]{12}/);
    expect(text).toContain('undoes the apply of plan bbbbbbbbbbbb');
    expect(text).toContain('Summary: will restore 3 referrals');
    expect(text).toContain('! Not restorable through the API: 1 referral changed by the apply:');
    expect(text).toContain('    ref-00001  closing a referral cannot be undone  (was status Active, substatus Accepted)');
    expect(text).toMatch(/↺ ref-00000 .*will restore:/);
  });

  it('says so when a plan has no changes', () => {
    expect(renderPlanHuman(samplePlan({ entries: 0 }))).toContain('No changes: every referral already matches the change set.');
  });
});

describe('colour', () => {
  const plan = samplePlan({ entries: 4 });

  it('is on for a TTY without NO_COLOR, off otherwise', () => {
    expect(colorEnabled({ isTTY: true }, {})).toBe(true);
    expect(colorEnabled({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(colorEnabled({ isTTY: true }, { TERM: 'dumb' })).toBe(false);
    expect(colorEnabled({ isTTY: false }, {})).toBe(false);
    expect(colorEnabled({}, {})).toBe(false);
  });

  it('reaches the stream only on a TTY without NO_COLOR', () => {
    const tty = captureStream(true);
    new PlanHumanView({ stdout: tty, env: {} }).plan(plan);
    expect(tty.text()).toContain(ESC);

    const noColor = captureStream(true);
    new PlanHumanView({ stdout: noColor, env: { NO_COLOR: '1' } }).plan(plan);
    expect(noColor.text()).not.toContain(ESC);
    expect(noColor.text()).toBe(renderPlanHuman(plan));

    const pipe = captureStream(false);
    createPlanView(false, { stdout: pipe, env: {} }).plan(plan);
    expect(pipe.text()).not.toContain(ESC);
    expect(pipe.text()).toBe(renderPlanHuman(plan));
  });
});

describe('JSON plan view', () => {
  it('prints exactly the plan document, byte for byte what writePlan wrote', async () => {
    const dir = tempTree();
    const path = join(dir, 'plan.json');
    const plan = await writePlan(path, samplePlanBody({ entries: 6 }));
    const out = captureStream(true);
    new PlanJsonView({ stdout: out, env: {} }).plan(plan);
    expect(out.text()).toBe(readFileSync(path, 'utf8'));
    expect(JSON.parse(out.text())).toEqual(plan);
    // Unmasked: it is the document apply executes.
    expect(out.text()).toContain('jane.doe2@contoso.com');
    expect(out.text()).not.toContain(ESC);
  });
});
