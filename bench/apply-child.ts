import { createClient } from '../src/api/client.js';
import { createStaticTokenProvider } from '../src/api/token.js';
import { applyPlan } from '../src/engine/apply.js';
import { readPlan } from '../src/files/plan-file.js';

/**
 * One apply, as `refplan apply PLAN` runs it (the same engine, client defaults and entry
 * concurrency), in a process of its own so that its peak RSS is the apply's alone. Prints one
 * JSON line: the outcome counts and the process's peak RSS. Usage: node apply-child.js URL PLAN
 */
const [url, planPath] = process.argv.slice(2) as [string, string];
const plan = await readPlan(planPath);
const client = createClient({ baseUrl: url, token: createStaticTokenProvider('bench-token') });
const summary = await applyPlan(plan, { client, planPath, concurrency: 32 });
await client.close();
process.stdout.write(`${JSON.stringify({ counts: summary.counts, alreadyDone: summary.alreadyDone === true, peakRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
