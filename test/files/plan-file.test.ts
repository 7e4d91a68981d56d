import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { FileError, PlanIntegrityError } from '../../src/core/errors.js';
import { ExitCode } from '../../src/core/exit-codes.js';
import { createHash } from 'node:crypto';
import { JournalWriter, replayJournal } from '../../src/files/journal.js';
import { canonicalJson, computePlanChecksum, prettyPlanChunks, readPlan, readPlanSync, toJsonPath, writePlan } from '../../src/files/plan-file.js';
import { readPlanToApply } from '../../src/files/read-plan-to-apply.js';
import { verifiedFileSha256 } from '../../src/files/verified-plan.js';
import { readSpec } from '../../src/schema/specs.js';
import { samplePlan, samplePlanBody } from '../helpers/sample-plan.js';
import { tempTree } from '../helpers/temp-dir.js';

async function refusal(path: string): Promise<PlanIntegrityError | FileError> {
  const e = await readPlan(path).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e, 'readPlan should have refused the file').toBeInstanceOf(Error);
  return e as PlanIntegrityError | FileError;
}

function writeText(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('specs/plan.schema.json', () => {
  it('is a strict-valid 2020-12 schema that accepts hand-built plans of every kind', () => {
    const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false, allowUnionTypes: true });
    addFormats.default(ajv);
    const validate = ajv.compile(readSpec<object>('plan.schema.json'));
    for (const plan of [
      samplePlan(),
      samplePlan({ kind: 'rollback', notRestorable: [{ referralId: 'ref-9', before: { '/status': 'Active' }, reason: 'closed' }] }),
      samplePlan({ kind: 'migration', entries: 0 }),
    ]) {
      expect(validate(plan), JSON.stringify(validate.errors)).toBe(true);
    }
    const broken = { ...samplePlan(), kind: 'plan2' };
    expect(validate(broken)).toBe(false);
  });
});

describe('writePlan / readPlan', () => {
  it('round-trips a plan: pretty JSON, mode 0600, checksum added last', async () => {
    const dir = tempTree();
    const path = join(dir, 'plan.json');
    const body = samplePlanBody({ entries: 12 });
    const written = await writePlan(path, body);
    expect(written.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(written.checksum).toBe(computePlanChecksum(body));
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const text = readFileSync(path, 'utf8');
    expect(text).toContain('\n  "format": "refplan.plan/1",\n');
    expect(Object.keys(JSON.parse(text) as object).at(-1)).toBe('checksum');
    expect(await readPlan(path)).toEqual(written);
    expect(readPlanSync(path)).toEqual(written);
  });

  it('replaces an existing plan atomically and leaves no temp files', async () => {
    const dir = tempTree();
    const path = join(dir, 'plan.json');
    await writePlan(path, samplePlanBody({ entries: 2 }));
    const second = await writePlan(path, samplePlanBody({ entries: 5 }));
    expect((await readPlan(path)).entries).toHaveLength(5);
    expect(second.summary.entries).toBe(5);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('refuses a plan whose value was edited by hand (exit 3, says to re-plan)', async () => {
    const dir = tempTree();
    const path = join(dir, 'plan.json');
    await writePlan(path, samplePlanBody());
    writeFileSync(path, readFileSync(path, 'utf8').replace('"value": 1500', '"value": 150000'));
    const e = await refusal(path);
    expect(e).toBeInstanceOf(PlanIntegrityError);
    expect(e.exitCode).toBe(ExitCode.invalidInput);
    expect(e.message).toContain(path);
    expect(e.message).toContain('the plan was edited or truncated after it was written; re-run refplan plan');
    expect(e.hint).toMatch(/refplan plan/);
    expect(() => readPlanSync(path)).toThrow(PlanIntegrityError);
  });

  it('refuses a truncated file, saying so with line and column', async () => {
    const dir = tempTree();
    const path = join(dir, 'plan.json');
    await writePlan(path, samplePlanBody());
    const text = readFileSync(path, 'utf8');
    const cut = text.slice(0, Math.floor(text.length / 2));
    writeFileSync(path, cut);
    const e = await refusal(path);
    expect(e).toBeInstanceOf(PlanIntegrityError);
    const lines = cut.split('\n');
    expect(e.message).toBe(
      `${path} is not valid JSON: it ends in the middle of the document at line ${lines.length}, column ${lines.at(-1)!.length + 1}; the file looks truncated`,
    );
  });

  it('refuses another format version, naming the found and the supported one', async () => {
    const dir = tempTree();
    const other = writeText(dir, 'other.json', JSON.stringify({ ...samplePlan(), format: 'refs/plan/2' }));
    const e = await refusal(other);
    expect(e).toBeInstanceOf(PlanIntegrityError);
    expect(e.exitCode).toBe(3);
    expect(e.message).toBe(`${other} has format "refs/plan/2", but this refplan reads only "refplan.plan/1"`);
    expect(e.hint).toMatch(/Is it a refplan plan file\?/);

    const newer = writeText(dir, 'newer.json', JSON.stringify({ ...samplePlan(), format: 'refplan.plan/2' }));
    const e2 = await refusal(newer);
    expect(e2.message).toContain('"refplan.plan/2"');
    expect(e2.hint).toMatch(/newer refplan/);

    const none = writeText(dir, 'none.json', JSON.stringify({ hello: 'world' }));
    expect((await refusal(none)).message).toMatch(/has no "format" field/);
  });

  it('refuses text that is not JSON, with the position of the first bad character', async () => {
    const dir = tempTree();
    const path = writeText(dir, 'notes.txt', '{\n  "format": refplan\n}');
    const e = await refusal(path);
    expect(e).toBeInstanceOf(PlanIntegrityError);
    expect(e.message).toBe(`${path} is not valid JSON: expected a value (object, array, string, number, true, false or null) at line 2, column 13 (found "refplan")`);

    const binary = writeText(dir, 'blob.bin', '\u0000\u0001\u0002');
    expect((await refusal(binary)).message).toMatch(/is not valid JSON: expected a value .* at line 1, column 1 \(found "\\u0000/);
    const empty = writeText(dir, 'empty.json', '  \n');
    expect((await refusal(empty)).message).toBe(`${empty} is empty, so it is not a plan (a truncated or unfinished file?)`);
    const array = writeText(dir, 'array.json', '[]');
    expect((await refusal(array)).message).toMatch(/expected a JSON object .* found an array/);
  });

  it('refuses schema violations, listing the first few with JSON paths', async () => {
    const dir = tempTree();
    const plan = samplePlan({ entries: 3 }) as unknown as { entries: Record<string, unknown>[]; extra?: number };
    delete plan.entries[0]!['eTag'];
    plan.entries[1]!['irreversible'] = 'no';
    plan.extra = 1;
    const path = writeText(dir, 'plan.json', JSON.stringify(plan));
    const e = await refusal(path);
    expect(e).toBeInstanceOf(PlanIntegrityError);
    expect(e.message).toContain(`${path} does not match the plan schema (specs/plan.schema.json):`);
    expect(e.message).toContain('$: unexpected property "extra"');
    expect(e.message).toContain("$.entries[0]: must have required property 'eTag'");
    expect(e.message).toContain('$.entries[1].irreversible: must be boolean');
  });

  it('refuses a directory and a missing file with FileError naming the file', async () => {
    const dir = tempTree();
    const folder = join(dir, 'plans');
    mkdirSync(folder);
    const e1 = await refusal(folder);
    expect(e1).toBeInstanceOf(FileError);
    expect((e1 as FileError).file).toBe(folder);
    expect(e1.message).toBe(`cannot read plan file ${folder}: it is a directory, not a file`);
    expect(e1.exitCode).toBe(3);

    const missing = join(dir, 'nope.json');
    const e2 = await refusal(missing);
    expect(e2).toBeInstanceOf(FileError);
    expect(e2.message).toBe(`cannot read plan file ${missing}: no such file`);
    expect(() => readPlanSync(missing)).toThrow(FileError);
  });

  it('names a missing output folder when writing fails', async () => {
    const dir = tempTree();
    const path = join(dir, 'no-such-folder', 'plan.json');
    await expect(writePlan(path, samplePlanBody())).rejects.toThrow(`cannot write plan file ${path}: folder ${join(dir, 'no-such-folder')} does not exist`);
  });
});

describe('checksum', () => {
  it('does not depend on key order or on the checksum field itself', () => {
    const body = samplePlanBody({ entries: 4 });
    const reversed = JSON.parse(JSON.stringify(body), (_k, v: unknown) =>
      v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v,
    ) as typeof body;
    expect(Object.keys(reversed)[0]).toBe('summary');
    expect(computePlanChecksum(reversed)).toBe(computePlanChecksum(body));
    expect(computePlanChecksum({ ...body, checksum: 'f'.repeat(64) } as never)).toBe(computePlanChecksum(body));
  });

  it('changes when any value changes', () => {
    const body = samplePlanBody({ entries: 4 });
    const edited = structuredClone(body);
    edited.entries[2]!.eTag = 'W/"99"';
    expect(computePlanChecksum(edited)).not.toBe(computePlanChecksum(body));
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every depth and leaves no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: null, y: 'x y' }], c: true } })).toBe('{"a":{"c":true,"d":[3,{"y":"x y","z":null}]},"b":1}');
  });
  it('drops undefined members and refuses values JSON cannot hold', () => {
    expect(canonicalJson({ a: undefined, b: 2 })).toBe('{"b":2}');
    expect(() => canonicalJson({ a: Number.NaN })).toThrow(/member "a" is NaN/);
    expect(() => canonicalJson([undefined])).toThrow(/undefined/);
  });
  it('keeps a __proto__ member as a member (an edit adding one changes the checksum)', () => {
    expect(canonicalJson(JSON.parse('{"b":{"__proto__":{"x":1}},"a":2}'))).toBe('{"a":2,"b":{"__proto__":{"x":1}}}');
  });
  it('sorts by UTF-16 code units, not locale', () => {
    expect(canonicalJson({ b: 1, B: 2, é: 3, a: 4 })).toBe('{"B":2,"a":4,"b":1,"é":3}');
  });
});

describe('toJsonPath', () => {
  it('turns ajv pointers into readable JSON paths', () => {
    expect(toJsonPath('')).toBe('$');
    expect(toJsonPath('/entries/3/eTag')).toBe('$.entries[3].eTag');
    expect(toJsonPath('/entries/0/before/~1details~1dealValue')).toBe('$.entries[0].before["/details/dealValue"]');
  });
});

describe('reading a plan to apply again (resume)', () => {
  it('skips the second full check only for exactly the bytes an earlier run checked, and refuses an edit', async () => {
    const dir = tempTree();
    const path = join(dir, 'p.json');
    const plan = await writePlan(path, { ...samplePlanBody() });
    expect(readFileSync(path, 'utf8')).toBe(JSON.stringify(plan, null, 2) + '\n');
    expect([...prettyPlanChunks(plan)].join('')).toBe(JSON.stringify(plan, null, 2) + '\n');
    const checked = await readPlan(path);
    const sha = createHash('sha256').update(readFileSync(path)).digest('hex');
    expect(verifiedFileSha256(checked)).toBe(sha);
    // The journal of a run records it; the same bytes then read without a second check...
    const journal = join(dir, 'p.journal.jsonl');
    const j = await JournalWriter.open(journal, plan.checksum, 'plan', replayJournal(journal, plan.checksum), undefined, undefined, sha);
    await j.close();
    expect((await readPlanToApply(path)).checksum).toBe(plan.checksum);
    // ...and a file that fails the check passes only when its bytes are the ones named (proof the check is skipped).
    const edited = readFileSync(path, 'utf8').replace(/"readRequests": \d+/, '"readRequests": 99');
    writeFileSync(path, edited);
    await expect(readPlanToApply(path)).rejects.toThrow(/edited or truncated/);
    const editedSha = createHash('sha256').update(edited).digest('hex');
    expect((await readPlan(path, { verifiedSha256: editedSha })).readRequests).toBe(99);
  });
});
