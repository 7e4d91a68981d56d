import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/api/client.js';
import { createStaticTokenProvider } from '../../src/api/token.js';
import { startEmulator } from '../../src/emulator/index.js';
import { applyPlan } from '../../src/engine/apply.js';
import { readPlan } from '../../src/files/plan-file.js';
import { startScriptServer, type ScriptServer } from '../api/script-server.js';
import { tempTree } from '../helpers/temp-dir.js';
import { writeTestPlan } from './build-plan.js';

type Emulator = Awaited<ReturnType<typeof startEmulator>>;
let emu: Emulator;
let proxy: ScriptServer;

/**
 * A gateway in front of the emulator that forwards every request and passes every answer on,
 * except that a successful PATCH's body arrives garbled (cut off): the write was committed, but
 * the client cannot read what came back.
 */
beforeAll(async () => {
  emu = await startEmulator({ generate: 40, randomSeed: 21 });
  const upstream = new URL(emu.url);
  proxy = await startScriptServer((req, res) => {
    const headers: Record<string, string> = {};
    for (const name of ['authorization', 'if-match', 'prefer', 'content-type', 'accept']) {
      const v = req.headers[name];
      if (typeof v === 'string') headers[name] = v;
    }
    void fetch(`${upstream.origin}${req.url}`, { method: req.method, headers, ...(req.body === '' ? {} : { body: req.body }) }).then(async (up) => {
      const text = await up.text();
      const garble = req.method === 'PATCH' && up.status >= 200 && up.status < 300;
      res.writeHead(up.status, { 'content-type': 'application/json' });
      res.end(garble ? text.slice(0, 20) : text);
    });
  });
});
afterAll(async () => {
  await proxy.close();
  await emu.close();
});

describe('apply when a write is answered 2xx with a body that cannot be read', () => {
  it('settles it by reading back: applied once, in the rollback file, never reported unchanged', async () => {
    const dir = tempTree();
    const path = join(dir, 'p.json');
    const plan = await writeTestPlan(path, emu.store.all(), proxy.baseUrl, { count: 4, tag: 'garbled' });
    const c = createClient({ baseUrl: proxy.baseUrl, token: createStaticTokenProvider('t'), concurrency: 2 });
    const summary = await applyPlan(plan, { client: c, planPath: path });
    await c.close();
    expect(summary.results.map((r) => r.outcome)).toEqual(plan.entries.map(() => 'applied'));
    expect(summary.exitCode).toBe(0);
    const rollback = await readPlan(summary.files.rollback);
    expect(rollback.entries.map((e) => e.referralId).sort()).toEqual(plan.entries.map((e) => e.referralId).sort());
    for (const e of rollback.entries) {
      expect(emu.stats().commits.byId[e.referralId]).toBe(1);
      expect(e.eTag).toBe(emu.store.get(e.referralId)!.eTag);
    }
  });
});
