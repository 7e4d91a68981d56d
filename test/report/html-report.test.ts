import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { renderHtmlReport, writeHtmlReport, type ReportResult } from '../../src/cli/views/plan-html.js';
import { launchBrowser } from '../helpers/browser.js';
import { samplePlan } from '../helpers/sample-plan.js';
import { tempTree } from '../helpers/temp-dir.js';

const results: ReportResult[] = [
  { referralId: 'ref-00000', outcome: 'applied', retries: 0 },
  { referralId: 'ref-00001', outcome: 'conflict', message: 'changed on the server since planning (contact jane@contoso.com)', diff: [{ path: '/status', expected: 'Active', actual: 'Closed', planned: 'Closed' }] },
  { referralId: 'ref-00002', outcome: 'applied', retries: 3 },
  { referralId: 'ref-00003', outcome: 'failed', message: 'HTTP 500 from the server' },
];

describe('HTML report (markup)', () => {
  it('is self-contained: no external URLs, scripts or fonts; contact details masked', () => {
    const html = renderHtmlReport({ plan: samplePlan({ entries: 12 }) });
    // Every attribute that could load something points nowhere (data: or an in-page anchor).
    const targets = [...html.matchAll(/\s(?:src|href|action|poster|srcset)\s*=\s*"([^"]*)"/gi)].map((m) => m[1]);
    expect(targets.filter((t) => !t!.startsWith('data:') && !t!.startsWith('#'))).toEqual([]);
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+stylesheet|@import|@font-face|url\(/i);
    expect(html).toContain("Content-Security-Policy\" content=\"default-src 'none'");
    expect(html).toContain('j***@contoso.com');
    expect(html).not.toMatch(/jane\.doe\d+@contoso\.com|bob@northwind\.com/);
    expect(renderHtmlReport({ plan: samplePlan({ entries: 12 }), showPii: true })).toContain('jane.doe2@contoso.com');
  });

  it('has the summary charts and the irreversible call-out', () => {
    const html = renderHtmlReport({ plan: samplePlan({ entries: 12 }) });
    expect(html).toContain('<figcaption>Changes per field</figcaption><svg');
    expect(html).toContain('<figcaption>Status moves (from → to)</figcaption><svg');
    expect(html).toContain('Active/Accepted → Closed/Lost');
    expect(html).toContain('<figcaption>Deal value totals, before and after</figcaption><svg');
    expect(html).toContain('⚠ 3 irreversible changes');
    expect(html).not.toContain('id="outcomes"');
  });

  it('escapes text from the plan', () => {
    const plan = samplePlan({ entries: 1 });
    plan.entries[0]!.label = '<img src=x onerror=alert(1)>';
    const html = renderHtmlReport({ plan });
    expect(html).not.toContain('<img src=x');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('adds an outcomes section with conflicts, diffs and retries when given results', () => {
    const html = renderHtmlReport({ plan: samplePlan({ entries: 4 }), results });
    expect(html).toContain('<h2>Apply outcomes</h2>');
    expect(html).toContain('3 retries in total.');
    expect(html).toMatch(/<span class="badge o-conflict">conflict<\/span>.*<span class="f">status<\/span> <del>Active<\/del> → <ins>Closed<\/ins>/);
    expect(html).toContain('(contact j***@contoso.com)');
    expect(html).toContain('HTTP 500 from the server');
  });
});

describe('HTML report in a real headless browser', () => {
  it('loads offline with no errors, filters on search, sorts on header click, and screenshots', async () => {
    // Launched inside the test, so a browser that cannot start fails the test instead of skipping it.
    const browser = await launchBrowser();
    const dir = tempTree();
    const reportPath = join(dir, 'report.html');
    await writeHtmlReport(reportPath, { plan: samplePlan({ entries: 40 }), results });
    expect(statSync(reportPath).mode & 0o777).toBe(0o600);

    const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
    page.on('request', (r) => requests.push(r.url()));

    const url = pathToFileURL(reportPath).href;
    await page.goto(url, { waitUntil: 'load' });

    const visibleRows = () => page.locator('#entries tbody tr:visible').count();
    const firstIds = () => page.locator('#entries tbody tr td:first-child').evaluateAll((cells) => cells.slice(0, 3).map((c) => c.textContent));
    expect(await visibleRows()).toBe(40);

    await page.locator('#search').fill('closed/lost');
    expect(await visibleRows()).toBe(10);
    expect(await page.locator('[data-count-for="entries"]').textContent()).toBe('10 of 40');
    await page.locator('#search').fill('ref-00013');
    expect(await visibleRows()).toBe(1);
    await page.locator('#search').fill('');
    expect(await visibleRows()).toBe(40);

    const before = await firstIds();
    expect(before).toEqual(['ref-00000', 'ref-00001', 'ref-00002']);
    const referralHeader = page.locator('#entries thead th', { hasText: 'Referral' });
    await referralHeader.click();
    expect(await referralHeader.getAttribute('aria-sort')).toBe('ascending');
    expect(await firstIds()).toEqual(before);
    await referralHeader.click();
    expect(await referralHeader.getAttribute('aria-sort')).toBe('descending');
    expect(await firstIds()).toEqual(['ref-00039', 'ref-00038', 'ref-00037']);
    // Numeric sort, stable: the closes (3 ops) come first, still in the descending-id order they had.
    const opsHeader = page.locator('#entries thead th', { hasText: 'Ops' });
    await opsHeader.click();
    await opsHeader.click();
    expect(await firstIds()).toEqual(['ref-00037', 'ref-00033', 'ref-00029']);

    const shot = join(dir, 'report.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(existsSync(shot)).toBe(true);
    expect(statSync(shot).size).toBeGreaterThan(1000);

    await page.close();
    expect(problems).toEqual([]);
    expect(requests).toEqual([url]);
  });
});
