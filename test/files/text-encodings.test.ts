// Issue 13, Windows: `refplan plan … -o - > plan.json` in Windows PowerShell 5.1 saves UTF-16 LE with a
// BOM; other shells and editors UTF-8 with a BOM. The checksum is over the parsed document, so the
// re-encoded plan still reads, and an edit is still refused.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PlanIntegrityError } from '../../src/core/errors.js';
import { readPlan, readPlanSync, writePlan } from '../../src/files/plan-file.js';
import { decodeText } from '../../src/files/read-text-file.js';
import { runCli } from '../helpers/run-cli.js';
import { samplePlanBody } from '../helpers/sample-plan.js';
import { tempTree } from '../helpers/temp-dir.js';

function encode(text: string, encoding: 'utf-8-bom' | 'utf-16le' | 'utf-16be'): Buffer {
  if (encoding === 'utf-8-bom') return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text, 'utf8')]);
  const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
  if (encoding === 'utf-16le') return le;
  const be = Buffer.from(le);
  be.swap16();
  return be;
}

describe('decodeText', () => {
  it('follows the byte order mark, and reads UTF-8 without one', () => {
    const text = '{"a":"Ünïcödé → ✓ 😀"}\r\n';
    for (const e of ['utf-8-bom', 'utf-16le', 'utf-16be'] as const) expect(decodeText(encode(text, e))).toEqual({ text, encoding: e });
    expect(decodeText(Buffer.from(text, 'utf8'))).toEqual({ text, encoding: 'utf-8' });
    expect(decodeText(new Uint8Array())).toEqual({ text: '', encoding: 'utf-8' });
  });
});

describe('plan files re-encoded by a shell', () => {
  it.each(['utf-8-bom', 'utf-16le', 'utf-16be'] as const)('%s: read back, checksum verified; an edit is still refused', async (encoding) => {
    const dir = tempTree();
    const original = join(dir, 'p.json');
    const plan = await writePlan(original, { ...samplePlanBody(), message: 'Ünïcödé notes → ✓' } as never);
    const text = readFileSync(original, 'utf8').replace(/\n/g, '\r\n');
    const saved = join(dir, `p.${encoding}.json`);
    writeFileSync(saved, encode(text, encoding));
    expect((await readPlan(saved)).checksum).toBe(plan.checksum);
    expect(readPlanSync(saved).checksum).toBe(plan.checksum);
    const edited = join(dir, `edited.${encoding}.json`);
    writeFileSync(edited, encode(text.replace('"USD"', '"EUR"'), encoding));
    await expect(readPlan(edited)).rejects.toBeInstanceOf(PlanIntegrityError);
  });

  it('through the CLI: show reads a UTF-16 plan as Windows PowerShell 5.1 saves it', async () => {
    const dir = tempTree();
    const plan = await writePlan(join(dir, 'p.json'), samplePlanBody());
    writeFileSync(join(dir, 'ps.json'), encode(JSON.stringify(plan, null, 2).replace(/\n/g, '\r\n') + '\r\n', 'utf-16le'));
    const show = await runCli(['show', 'ps.json', '--json'], { cwd: dir });
    expect(show.code, show.stderr).toBe(0);
    expect(JSON.parse(show.stdout)).toMatchObject({ checksum: plan.checksum });
  });
});
