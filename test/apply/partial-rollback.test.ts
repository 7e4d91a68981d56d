import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Referral } from '../../src/core/referral.js';
import { generateReferrals } from '../../src/emulator/index.js';
import { applyPlan } from '../../src/engine/apply.js';
import { createPlan } from '../../src/engine/plan.js';
import { readPlan } from '../../src/files/plan-file.js';
import { tempTree } from '../helpers/temp-dir.js';
import { emulatorClient } from '../plan/plan-helpers.js';
import { emulatorForSuite } from '../helpers/emulator-suite.js';

// Accepting a referral cannot be undone, but the deal value changed with it can:
// the rollback restores the value on the now Active referral and lists the move.
const [template] = generateReferrals(1, 31) as [Referral];
const fresh: Referral = { ...structuredClone(template), id: 'a11ce000-0000-4000-8000-000000000001', status: 'New', substatus: 'Pending', statusReason: null };
const before = (fresh.details as { dealValue: number }).dealValue;

const suite = emulatorForSuite({ referrals: [fresh] });

describe('rollback of an entry that left New', () => {
  it('restores its other fields and lists only the status move as not restorable', async () => {
    const dir = tempTree();
    const changes = join(dir, 'accept.yaml');
    writeFileSync(changes, `changes:\n  - id: ${fresh.id}\n    accept: true\n    set: { dealValue: ${before + 1000} }\n`);
    const client = emulatorClient(suite.emu.url);
    try {
      const planPath = join(dir, 'accept.plan.json');
      const planned = await createPlan({ files: [changes], client, baseUrl: suite.emu.url, output: planPath });
      expect(planned.plan?.entries[0]?.irreversible).toBe(true);
      const applied = await applyPlan(await readPlan(planPath), { client, planPath });
      expect(applied.counts.applied).toBe(1);

      const rollbackPath = applied.files.rollback;
      const rollback = await readPlan(rollbackPath);
      expect(rollback.entries.map((e) => e.ops)).toEqual([[{ op: 'replace', path: '/details/dealValue', value: before }]]);
      expect(rollback.notRestorable).toEqual([expect.objectContaining({ referralId: fresh.id, before: { '/status': 'New', '/substatus': 'Pending' } })]);

      const restored = await applyPlan(rollback, { client, planPath: rollbackPath });
      expect(restored.counts.applied).toBe(1);
      const now = suite.emu.store.get(fresh.id)!;
      expect((now.details as { dealValue: number }).dealValue).toBe(before);
      expect([now.status, now.substatus]).toEqual(['Active', 'Accepted']);
    } finally {
      await client.close();
    }
  });
});
