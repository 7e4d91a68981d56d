import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateReferrals, startEmulator, type EmulatorHandle } from '../../src/emulator/index.js';
import { exportReferrals } from '../../src/engine/export.js';
import { MAX_WORKBOOK_ROWS } from '../../src/engine/export-workbook.js';
import { emulatorClient } from '../plan/plan-helpers.js';
import { runCli } from '../helpers/run-cli.js';
import { tempTree } from '../helpers/temp-dir.js';

// A workbook export has a documented row limit (MAX_WORKBOOK_ROWS); above it the export is refused
// with the way out (CSV), exit 1, and nothing written, rather than running out of memory. When the
// API's @odata.count is the selection, the refusal comes after the first page, not after reading all.

let server: Server;
let serverUrl = '';
let requests = 0;
beforeAll(async () => {
  // A loopback API whose listing claims one referral more than a workbook holds (one page served).
  const [referral] = generateReferrals(1, 5);
  server = createServer((req, res) => {
    requests += 1;
    res.setHeader('content-type', 'application/json');
    const next = `${serverUrl}/engagements/referrals?$skiptoken=2`;
    res.end(JSON.stringify({ value: [referral], '@odata.count': MAX_WORKBOOK_ROWS + 1, '@odata.nextLink': next }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  serverUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1.0`;
});
afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));

describe('the workbook row limit', () => {
  it('refuses a selection larger than a workbook holds after one page, exit 1, pointing to CSV, writing nothing', async () => {
    const dir = tempTree();
    const run = await runCli(['export', '-o', 'big.xlsx'], { cwd: dir, env: { REFPLAN_TOKEN: 't', REFPLAN_BASE_URL: serverUrl } });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain(`the selection has ${(MAX_WORKBOOK_ROWS + 1).toLocaleString('en-US')} referrals, more than the ${MAX_WORKBOOK_ROWS.toLocaleString('en-US')} a workbook export holds`);
    expect(run.stderr).toMatch(/hint: export CSV instead \(-o FILE\.csv\), which has no row limit, or narrow the export with --where/);
    expect(requests).toBe(1);
    expect(existsSync(join(dir, 'big.xlsx'))).toBe(false);
  });

  describe('against the emulator, with a lower limit', () => {
    let emu: EmulatorHandle;
    beforeAll(async () => {
      emu = await startEmulator({ generate: 30, randomSeed: 8 });
    });
    afterAll(async () => emu?.close());

    it('refuses by the count when every test is pushed to the API, and by what it read when one is checked locally', async () => {
      const client = emulatorClient(emu.url);
      try {
        const output = join(tempTree(), 'w.xlsx');
        await expect(exportReferrals({ client, baseUrl: emu.url, output, maxWorkbookRows: 10 })).rejects.toThrow('the selection has 30 referrals, more than the 10 a workbook export holds');
        // dealValue is compared here, not by the API: its count is no longer the selection's size.
        await expect(exportReferrals({ client, baseUrl: emu.url, output, maxWorkbookRows: 10, where: [{ field: 'dealValue', op: 'ge', value: 0 }] })).rejects.toThrow(
          'the selection has more than 10 referrals, more than the 10 a workbook export holds',
        );
        expect(existsSync(output)).toBe(false);
        const fits = await exportReferrals({ client, baseUrl: emu.url, output, maxWorkbookRows: 30 });
        expect(fits.referrals).toBe(30);
        expect(existsSync(output)).toBe(true);
      } finally {
        await client.close();
      }
    });
  });
});
