import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadavg, tmpdir } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { pathToFileURL, fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { writeHtmlReport } from '../src/cli/views/plan-html.js';
import { findBrowser } from '../test/helpers/browser.js';
import { samplePlan } from '../test/helpers/sample-plan.js';

/**
 * The HTML report at 20,000 entries in headless Chromium: how long the page
 * takes from navigation to the first frame with the entries table, and how long
 * a filter takes to show its result (typing "closed/lost", ticking "only
 * irreversible"), as medians of several runs, by the page's own clock. The
 * browser test bounds these at 2 s; this prints the figures.
 * Run after a build: node dist/bench/report.js [runs]
 */

export interface ReportBenchResult {
  entries: number;
  htmlBytes: number;
  renderSeconds: number;
  runs: number;
  browser: string;
  openMs: number;
  filterTextMs: number;
  filterCheckboxMs: number;
  loadAverage: number[];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

export async function runReportBench(options: { runs?: number; log?: (line: string) => void } = {}): Promise<ReportBenchResult> {
  const runs = options.runs ?? 5;
  const log = options.log ?? (() => undefined);
  const dir = mkdtempSync(join(tmpdir(), 'refplan-bench-report-'));
  try {
    const path = join(dir, 'report.html');
    const plan = samplePlan({ entries: 20_000, currencies: ['USD', 'EUR', 'JPY', 'GBP', 'KWD', 'CHF', 'INR', 'BRL', 'AUD'], message: 'bench' });
    const started = process.hrtime.bigint();
    await writeHtmlReport(path, { plan });
    const renderSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    const found = await findBrowser();
    const browser = await chromium.launch({ executablePath: found.executablePath, args: found.args, headless: true, ...(found.env ? { env: { ...process.env, ...found.env } } : {}) });
    const opens: number[] = [];
    const texts: number[] = [];
    const boxes: number[] = [];
    try {
      // One page (the bundled Chromium runs single-process); each run is a fresh navigation.
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      for (let k = 0; k < runs; k++) {
        await page.goto(`${pathToFileURL(path).href}?run=${k}`, { waitUntil: 'load' });
        await page.waitForSelector('html[data-ready="1"]');
        opens.push(await page.evaluate<number>('new Promise((r) => requestAnimationFrame(() => r(performance.now())))'));
        const timed = (code: string) =>
          page.evaluate<number>(`new Promise((resolve) => { const t = performance.now(); ${code}; requestAnimationFrame(() => setTimeout(() => resolve(performance.now() - t), 0)); })`);
        texts.push(await timed(`const i = document.getElementById('search'); i.value = 'closed/lost'; i.dispatchEvent(new Event('input'))`));
        boxes.push(await timed(`const b = document.getElementById('only-irreversible'); b.checked = true; b.dispatchEvent(new Event('change'))`));
      }
    } finally {
      await browser.close();
    }
    const result: ReportBenchResult = {
      entries: plan.entries.length,
      htmlBytes: statSync(path).size,
      renderSeconds,
      runs,
      browser: found.source,
      openMs: Math.round(median(opens)),
      filterTextMs: Math.round(median(texts)),
      filterCheckboxMs: Math.round(median(boxes)),
      loadAverage: loadavg().map((l) => Math.round(l * 10) / 10),
    };
    log(`HTML report, ${result.entries.toLocaleString('en-US')} entries (${(result.htmlBytes / 2 ** 20).toFixed(1)} MB, written in ${renderSeconds.toFixed(2)} s): open ${result.openMs} ms, filter by text ${result.filterTextMs} ms, "only irreversible" ${result.filterCheckboxMs} ms (medians of ${runs}, ${found.source}, load ${result.loadAverage[0]})`);
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// `node dist/bench/report.js`: this bench alone; its figures replace the `report` entry of bench/results.json.
if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const result = await runReportBench({ runs: Number(process.argv[2] ?? 5), log: (l) => process.stdout.write(`${l}\n`) });
  const out = join(fileURLToPath(import.meta.url), '..', '..', '..', 'bench', 'results.json');
  const all = JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>;
  writeFileSync(out, `${JSON.stringify({ ...all, report: { date: new Date().toISOString(), ...result } }, null, 2)}\n`);
}
