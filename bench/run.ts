import { runEmulatorBench } from './emulator.js';

/** `npm run bench`: runs each benchmark and prints its figures (not a test; no pass/fail). */
const results: Record<string, unknown> = {};
results['emulator'] = await runEmulatorBench();
process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
