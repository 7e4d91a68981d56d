import { createClient } from '../src/api/client.js';
import { createStaticTokenProvider } from '../src/api/token.js';
import { applyPlan } from '../src/engine/apply.js';
import { readPlanToApply } from '../src/files/read-plan-to-apply.js';

/**
 * One apply, as `refplan apply PLAN` runs it (the same engine, client defaults and entry
 * concurrency), in a process of its own so that its peak RSS is the apply's alone. Prints one
 * JSON line: the outcome counts and the process's peak RSS. Usage: node apply-child.js URL PLAN
 */
const [url, planPath] = process.argv.slice(2) as [string, string];
const t0 = performance.now();
const plan = await readPlanToApply(planPath);
const planReadMs = performance.now() - t0;
let startMs = 0;
const client = createClient({ baseUrl: url, token: createStaticTokenProvider('bench-token') });
const summary = await applyPlan(plan, {
  client,
  planPath,
  concurrency: 32,
  onEvent: (e) => {
    if (e.type === 'start') startMs = performance.now() - t0;
  },
});
await client.close();
const figures = { counts: summary.counts, alreadyDone: summary.alreadyDone === true, peakRssMb: process.resourceUsage().maxRSS / 1024, planReadMs, startMs, processUptimeAtRead: performance.timeOrigin };
process.stdout.write(`${JSON.stringify(figures)}\n`);
