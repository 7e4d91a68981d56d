// Issue 14, scale: a rollback file of 50,000 entries is sealed and written with its entries made
// one at a time (sealPlanStream). The file and its checksum must be exactly what sealing the
// whole plan makes, or `refplan rollback` would refuse a file `refplan apply` wrote.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InternalError } from '../../src/core/errors.js';
import type { PlanEntry } from '../../src/core/plan.js';
import { readPlan, sealPlan, sealPlanStream, writeSealedPlan, writeSealedPlanStream } from '../../src/files/plan-file.js';
import { verifiedFileSha256 } from '../../src/files/verified-plan.js';
import { samplePlanBody } from '../helpers/sample-plan.js';
import { tempTree } from '../helpers/temp-dir.js';

describe('sealPlanStream', () => {
  const bodies = {
    'a plan of 9 entries with a message': samplePlanBody({ entries: 9, message: 'Q3 clean-up → ✓' }),
    'a rollback with not-restorable records': samplePlanBody({
      entries: 5,
      kind: 'rollback',
      notRestorable: [{ referralId: 'ref-00001', before: { '/status': 'Active' }, reason: 'the status move cannot be undone through the API' }],
    }),
    'a plan of no entries': samplePlanBody({ entries: 0 }),
  };

  it.each(Object.entries(bodies))('%s: same checksum and same bytes as sealing the whole plan', async (_name, body) => {
    const dir = tempTree();
    const whole = sealPlan(body);
    let passes = 0;
    const streamed = sealPlanStream({ ...body, entries: [] }, () => {
      passes += 1;
      return body.entries.values();
    });
    expect(streamed.plan.checksum).toBe(whole.checksum);
    expect(streamed.plan.entries).toEqual([]);
    expect(Object.keys(streamed.plan)).toEqual(Object.keys(whole));
    await writeSealedPlan(join(dir, 'whole.json'), whole);
    await writeSealedPlanStream(join(dir, 'streamed.json'), streamed);
    expect(passes).toBe(2); // once to seal, once to write
    expect(readFileSync(join(dir, 'streamed.json'), 'utf8')).toBe(readFileSync(join(dir, 'whole.json'), 'utf8'));
    expect(await readPlan(join(dir, 'streamed.json'))).toEqual(whole);
  });

  it('refuses an entry that breaks the schema, naming it by its place in the plan', () => {
    const body = samplePlanBody({ entries: 4 });
    const broken = body.entries.map((e, i) => (i === 2 ? ({ ...e, eTag: 7 } as unknown as PlanEntry) : e));
    const seal = () => sealPlanStream({ ...body, entries: [] }, () => broken);
    expect(seal).toThrow(InternalError);
    expect(seal).toThrow(/\$\.entries\[2\]\.eTag: must be string/);
    // The envelope is checked too.
    expect(() => sealPlanStream({ ...body, entries: [], readRequests: -1 }, () => body.entries)).toThrow(/\$\.readRequests/);
  });
});

describe('reading a plan file', () => {
  it('hashes its bytes (what journals of earlier runs recorded), non-ASCII text included', async () => {
    const dir = tempTree();
    const path = join(dir, 'p.json');
    await writeSealedPlan(path, sealPlan(samplePlanBody({ entries: 3, message: 'Ünïcödé → ✓ 😀' })));
    const plan = await readPlan(path);
    expect(verifiedFileSha256(plan)).toBe(createHash('sha256').update(readFileSync(path)).digest('hex'));
  });
});
