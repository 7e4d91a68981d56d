import jsonpatch from 'fast-json-patch';
import { describe, expect, it } from 'vitest';
import { formatPointer, getAt, InvalidPointerError, parsePointer, setAt } from '../../src/core/json-pointer.js';
import { applyOps, inverseOps, jsonEqual, opsForLeaves } from '../../src/core/patch.js';
import type { JsonValue, PatchOp } from '../../src/core/referral.js';

describe('JSON Pointer', () => {
  it('unescapes ~1 and ~0 and round-trips', () => {
    expect(parsePointer('/a~1b/c~0d/~01')).toEqual(['a/b', 'c~d', '~1']);
    expect(formatPointer(['a/b', 'c~d', '~1'])).toBe('/a~1b/c~0d/~01');
    expect(parsePointer('')).toEqual([]);
  });

  it('refuses prototype segments and malformed pointers', () => {
    for (const p of ['/__proto__/x', '/constructor', '/a/prototype', 'details', '/a~2']) {
      expect(() => parsePointer(p)).toThrow(InvalidPointerError);
    }
  });

  it('gets object members and array elements, and reports absence', () => {
    const doc = { a: { 'b/c': [10, 20] } };
    expect(getAt(doc, '/a/b~1c/1')).toEqual({ found: true, value: 20 });
    expect(getAt(doc, '/a/x')).toEqual({ found: false });
    expect(getAt(doc, '/a/b~1c/2')).toEqual({ found: false });
    expect(getAt(doc, '/a/b~1c/-')).toEqual({ found: false });
    expect(getAt({ a: null }, '/a')).toEqual({ found: true, value: null });
  });

  it('sets without mutating, with RFC 6902 add/replace semantics', () => {
    const doc = { team: [{ e: 1 }], d: { n: 'x' } };
    const copy = structuredClone(doc);
    expect(setAt(doc, '/team/-', { e: 2 }, 'add')).toEqual({ team: [{ e: 1 }, { e: 2 }], d: { n: 'x' } });
    expect(setAt(doc, '/team/0', { e: 0 }, 'add')).toEqual({ team: [{ e: 0 }, { e: 1 }], d: { n: 'x' } });
    expect(setAt(doc, '/d/n', 'y', 'replace')).toEqual({ team: [{ e: 1 }], d: { n: 'y' } });
    expect(doc).toEqual(copy);
    expect(() => setAt(doc, '/d/missing', 1, 'replace')).toThrow(/does not exist/);
    expect(() => setAt(doc, '/x/y', 1, 'add')).toThrow(/does not exist/);
  });
});

describe('jsonEqual', () => {
  it('compares deeply, numbers numerically, strings exactly, key order ignored', () => {
    expect(jsonEqual({ a: [1, { b: 'x' }], c: 0 }, { c: -0, a: [1, { b: 'x' }] })).toBe(true);
    expect(jsonEqual('10000', 10000)).toBe(false);
    expect(jsonEqual('Won', 'won')).toBe(false);
    expect(jsonEqual([1, 2], [2, 1])).toBe(false);
    expect(jsonEqual({ a: 1 }, { a: 1, b: 2 })).toBe(false);
  });
});

describe('applyOps', () => {
  it('agrees with fast-json-patch and leaves the input alone', () => {
    const doc: JsonValue = { details: { dealValue: 1 }, team: [] };
    const ops: PatchOp[] = [
      { op: 'replace', path: '/details/dealValue', value: 5 },
      { op: 'add', path: '/details/notes', value: 'n' },
      { op: 'add', path: '/team/-', value: { email: 'a@b.c' } },
    ];
    const ours = applyOps(doc, ops);
    expect(ours).toEqual(jsonpatch.applyPatch(structuredClone(doc), ops, true, false).newDocument);
    expect(doc).toEqual({ details: { dealValue: 1 }, team: [] });
  });

  it('refuses ops the API does not have', () => {
    expect(() => applyOps({ a: 1 }, [{ op: 'remove', path: '/a' } as unknown as PatchOp])).toThrow(/only replace and add/);
  });
});

describe('opsForLeaves', () => {
  it('drops no-ops and clearing what is absent; replaces existing; adds missing members', () => {
    const doc = { name: 'A', details: { dealValue: 10 } };
    expect(
      opsForLeaves(doc, [
        { path: '/name', value: 'A' },
        { path: '/details/dealValue', value: 11 },
        { path: '/details/notes', value: 'hello' },
        { path: '/details/closingDateTime', value: null },
        { path: '/statusReason', value: null },
      ]),
    ).toEqual([
      { op: 'replace', path: '/details/dealValue', value: 11 },
      { op: 'add', path: '/details/notes', value: 'hello' },
    ]);
  });

  it('creates one absent parent object carrying every leaf under it, or replaces a null parent', () => {
    const targets = [
      { path: '/details/dealValue', value: 5 },
      { path: '/name', value: 'B' },
      { path: '/details/currency', value: 'EUR' },
    ];
    expect(opsForLeaves({ name: 'A' }, targets)).toEqual([
      { op: 'add', path: '/details', value: { dealValue: 5, currency: 'EUR' } },
      { op: 'replace', path: '/name', value: 'B' },
    ]);
    expect(opsForLeaves({ name: 'B', details: null }, targets)).toEqual([
      { op: 'replace', path: '/details', value: { dealValue: 5, currency: 'EUR' } },
    ]);
  });
});

describe('inverseOps', () => {
  const doc: JsonValue = { status: 'Active', details: { dealValue: 1, notes: null }, team: [{ email: 'a@x' }] };

  it('replaces with the before value, adds null where the path was absent, and replaces the whole team', () => {
    const ops: PatchOp[] = [
      { op: 'replace', path: '/details/dealValue', value: 9 },
      { op: 'add', path: '/details/currency', value: 'EUR' },
      { op: 'add', path: '/team/-', value: { email: 'b@x' } },
      { op: 'add', path: '/team/-', value: { email: 'c@x' } },
    ];
    const inverse = inverseOps(doc, ops);
    expect(inverse).toEqual([
      { op: 'replace', path: '/team', value: [{ email: 'a@x' }] },
      { op: 'add', path: '/details/currency', value: null },
      { op: 'replace', path: '/details/dealValue', value: 1 },
    ]);
    expect(inverse.every((o) => o.op === 'replace' || o.op === 'add')).toBe(true);
    const restored = applyOps(applyOps(doc, ops), inverse);
    expect(restored).toEqual({ ...(doc as object), details: { dealValue: 1, notes: null, currency: null } });
  });

  it('undoes a whole new parent leaf by leaf and a new team as an empty one', () => {
    const bare: JsonValue = { status: 'New' };
    const ops: PatchOp[] = [
      { op: 'add', path: '/details', value: { dealValue: 5, currency: 'EUR' } },
      { op: 'add', path: '/team', value: [{ email: 'a@x' }] },
    ];
    expect(inverseOps(bare, ops)).toEqual([
      { op: 'replace', path: '/team', value: [] },
      { op: 'add', path: '/details/currency', value: null },
      { op: 'add', path: '/details/dealValue', value: null },
    ]);
  });
});
