import { cpus, loadavg, totalmem } from 'node:os';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { runApplyBench } from './apply.js';
import { runApplyScaleBench } from './apply-scale.js';
import { runEmulatorBench } from './emulator.js';
import { runPlanBench } from './plan.js';
import { matrixRun, RESULTS_PATH, runRateMatrix, withPreviousRun } from './rate-matrix.js';
import { runReportBench } from './report.js';
import { runStartupBench } from './startup.js';
import { runValidateBench } from './validate.js';
import { runWorkbookBench, workbookTableRows } from './workbook.js';

/**
 * `npm run bench`: every benchmark in one go (each against emulators in
 * separate processes), then bench/results.json and a short table of the
 * figures the issues set goals for. Figures, not tests: nothing fails here.
 */
const log = (line: string) => process.stdout.write(`${line}\n`);
const started = new Date();

log('== emulator');
const emulator = await runEmulatorBench({ log });
log('\n== validate');
const validate = await runValidateBench();
log(`validate: ${Math.round(validate.rowsPerSecond).toLocaleString('en-US')} rows/s, peak RSS ${validate.peakRssMb.toFixed(0)} MB`);
log('\n== plan');
const plan = await runPlanBench({ log });
log('\n== apply');
const apply = await runApplyBench({ log });
log('\n== apply at scale (unthrottled; the cost of an entry must not grow with the plan)');
const applyScale = await runApplyScaleBench({ log });
log('\n== rate control matrix (2,000 PATCHes per cell, measured at the bench\'s throttling proxy)');
const rateStarted = new Date();
const rateCells = await runRateMatrix({ log });
const rateMatrix = withPreviousRun(matrixRun(rateCells, 'npm run bench', rateStarted), existsSync(RESULTS_PATH) ? (JSON.parse(readFileSync(RESULTS_PATH, 'utf8')) as Record<string, unknown>) : {});
log(rateMatrix.table);
log('\n== workbooks');
const workbook = await runWorkbookBench({ log });
log('\n== HTML report in headless Chromium');
const report = await runReportBench({ log });
log('\n== CLI start-up');
const startup = runStartupBench(9, log);

const fromChangeSet = plan.cases.find((c) => c.name.startsWith('2,000 id'));
const fromSpreadsheet = plan.cases.find((c) => c.name.startsWith('exported'));
const fixed = (n: number | undefined, digits: number) => (n === undefined ? 'n/a' : n.toFixed(digits));
const rows: [string, string, string][] = [
  ['emulator GET /referrals/{id} per second', Math.round(emulator.getsPerSecond).toLocaleString('en-US'), '≥ 5,000'],
  ['validate: CSV rows per second (1,000,000 rows)', Math.round(validate.rowsPerSecond).toLocaleString('en-US'), '≥ 100,000'],
  ['validate: peak RSS, MB', validate.peakRssMb.toFixed(0), '< 250'],
  ['plan: read requests per changed referral (2,000 of 20,000)', fixed(fromChangeSet?.readsPerChange, 3), '≤ 250 reads in all'],
  ['rate matrix: cells meeting their goal (see the table above)', `${rateMatrix.met} / ${rateCells.length}`, 'all'],
  ['plan + apply requests per changed referral, change set', fixed(fromChangeSet?.planPlusApplyPerChange, 3), '≤ 1.12'],
  ['plan + apply requests per changed referral, spreadsheet', fixed(fromSpreadsheet?.planPlusApplyPerChange, 3), '1.00'],
  [`speed-up over sequential GET+PUT at ${apply.legacy.latencyMs} ms latency`, `${apply.legacy.speedUp}×`, '—'],
  ['apply unthrottled: entries/s at 50,000 / at 2,000', fixed(applyScale.ratio, 3), '≥ 0.8'],
  ['apply unthrottled, 50,000 entries: peak RSS, MB', fixed(applyScale.large?.peakRssMb, 0), '≤ 500'],
  ['resume after a kill at 50,000 entries: seconds to the first PATCH', fixed(applyScale.resume?.secondsToFirstPatch, 2), '≤ 5'],
  ...workbookTableRows(workbook),
  ['HTML report, 20,000 entries: open in headless Chromium, ms', String(report.openMs), '< 2,000'],
  ['HTML report, 20,000 entries: filter shows its result, ms', String(Math.max(report.filterTextMs, report.filterCheckboxMs)), '< 2,000'],
  ['CLI start-up, refplan --help, seconds', fixed(startup.seconds['refplan --help'], 3), '—'],
];

const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memoryGb: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
  // The machine is shared: the load while the figures were taken says how much to trust them.
  loadAverage: loadavg().map((l) => Math.round(l * 10) / 10),
};
const results = { date: started.toISOString(), command: 'npm run bench', machine, emulator, validate, plan, apply, applyScale, rateMatrix, workbook, report, startup, table: rows };
writeFileSync(RESULTS_PATH, `${JSON.stringify(results, null, 2)}\n`);

const width = Math.max(...rows.map((r) => r[0].length));
log(`\n== summary (${machine.cores} × ${machine.cpu}, ${machine.node}); written to bench/results.json`);
log(`${'figure'.padEnd(width)}  ${'measured'.padStart(10)}  goal`);
for (const [name, value, goal] of rows) log(`${name.padEnd(width)}  ${value.padStart(10)}  ${goal}`);
