import { readFileSync } from 'node:fs';
import pLimit from 'p-limit';
import { Agent, request } from 'undici';
import { startEmulatorProcess } from './emulator-process.js';

/**
 * Emulator throughput over loopback: GET /referrals/{id} per second and list
 * pages (100 referrals each) per second, against 20,000 generated referrals in
 * a separate process, so the emulator and the load generator do not share a core.
 */
export interface EmulatorBenchResult {
  getsPerSecond: number;
  pagesPerSecond: number;
  /**
   * GETs per CPU-second the emulator process used (Linux /proc; undefined elsewhere):
   * its capacity on one core, independent of how fast the load generator is.
   */
  getsPerEmulatorCpuSecond: number | undefined;
  referrals: number;
  concurrency: number;
  seconds: number;
  errors: number;
}

export interface EmulatorBenchOptions {
  referrals?: number;
  concurrency?: number;
  seconds?: number;
  log?: (line: string) => void;
}

// dist/bench/emulator.js → dist/src/cli/bin.js
/** CPU seconds (user + system) a process has used so far, from /proc (Linux only). */
function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ');
    const ticks = Number(fields?.[11]) + Number(fields?.[12]); // utime + stime, in 1/100 s
    return Number.isFinite(ticks) ? ticks / 100 : undefined;
  } catch {
    return undefined;
  }
}

/** Runs `task` with `concurrency` in flight for `seconds`; returns completions per second. */
async function measure(seconds: number, concurrency: number, task: (i: number) => Promise<boolean>): Promise<{ rate: number; errors: number }> {
  const limit = pLimit(concurrency);
  const deadline = performance.now() + seconds * 1000;
  let done = 0;
  let errors = 0;
  let i = 0;
  const start = performance.now();
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const ok = await task(i++);
      if (ok) done++;
      else errors++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, () => limit(worker)));
  return { rate: done / ((performance.now() - start) / 1000), errors };
}

export async function runEmulatorBench(options: EmulatorBenchOptions = {}): Promise<EmulatorBenchResult> {
  const count = options.referrals ?? 20_000;
  const concurrency = options.concurrency ?? 64;
  const seconds = options.seconds ?? 5;
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  const { child, url, stop } = await startEmulatorProcess(['--generate', String(count)]);
  const agent = new Agent({ connections: concurrency, keepAliveTimeout: 30_000, pipelining: 1 });
  const headers = { authorization: 'Bearer bench' };
  try {
    // Collect ids (one full listing), which also warms the emulator's caches.
    const ids: string[] = [];
    let next: string | undefined = `${url}/engagements/referrals`;
    while (next !== undefined) {
      const res = await request(next, { dispatcher: agent, headers });
      const page = (await res.body.json()) as { value: { id: string }[]; '@odata.nextLink'?: string };
      for (const r of page.value) ids.push(r.id);
      next = page['@odata.nextLink'];
    }
    if (ids.length !== count) throw new Error(`listed ${ids.length} referrals, expected ${count}`);

    const cpuBefore = cpuSeconds(child.pid);
    let getCount = 0;
    const gets = await measure(seconds, concurrency, async (i) => {
      const res = await request(`${url}/engagements/referrals/${ids[(i * 7919) % ids.length]}`, { dispatcher: agent, headers });
      await res.body.dump({ limit: Number.POSITIVE_INFINITY });
      getCount++;
      return res.statusCode === 200;
    });
    const cpuAfter = cpuSeconds(child.pid);
    const cpuUsed = cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore;
    const pageCount = Math.ceil(count / 100);
    const pageUrls: string[] = [];
    next = `${url}/engagements/referrals`;
    while (next !== undefined && pageUrls.length < pageCount) {
      pageUrls.push(next);
      const res: Awaited<ReturnType<typeof request>> = await request(next, { dispatcher: agent, headers });
      next = ((await res.body.json()) as { '@odata.nextLink'?: string })['@odata.nextLink'];
    }
    const pages = await measure(seconds, Math.min(concurrency, 16), async (i) => {
      const res = await request(pageUrls[i % pageUrls.length] as string, { dispatcher: agent, headers });
      await res.body.dump({ limit: Number.POSITIVE_INFINITY });
      return res.statusCode === 200;
    });
    const result: EmulatorBenchResult = {
      getsPerSecond: Math.round(gets.rate),
      pagesPerSecond: Math.round(pages.rate),
      getsPerEmulatorCpuSecond: cpuUsed === undefined || cpuUsed <= 0 ? undefined : Math.round(getCount / cpuUsed),
      referrals: count,
      concurrency,
      seconds,
      errors: gets.errors + pages.errors,
    };
    log('emulator throughput (loopback, separate process)');
    log(`  referrals                 ${count}`);
    log(`  GET /referrals/{id} per s ${result.getsPerSecond}   (goal >= 5000, ${concurrency} in flight, ${seconds} s)`);
    log(`  GETs per emulator CPU-s   ${result.getsPerEmulatorCpuSecond ?? 'n/a'}   (capacity of one core, whatever the client manages)`);
    log(`  list pages (100) per s    ${result.pagesPerSecond}   (${Math.min(concurrency, 16)} in flight, ${seconds} s)`);
    log(`  errors                    ${result.errors}`);
    return result;
  } finally {
    await agent.close();
    await stop();
  }
}
