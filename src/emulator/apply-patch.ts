import jsonpatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { invalidRequest } from './api-error.js';

/**
 * The emulator's JSON Patch application, on its own so the RFC 6902 conformance
 * test can drive exactly this code. It uses fast-json-patch, never refplan's own
 * patch code, so the emulator checks the client instead of sharing its bugs.
 *
 * Only `replace` and `add` are accepted, as by the referrals API; any other
 * operation (or a malformed one) is refused with 400 invalidRequest before
 * anything is applied.
 */
export const SUPPORTED_OPS: readonly string[] = ['replace', 'add'];

export interface CheckedOp {
  op: 'replace' | 'add';
  path: string;
  value: unknown;
}

/** Checks the body is an array of replace/add operations; throws 400 invalidRequest otherwise. */
export function checkPatchBody(body: unknown): CheckedOp[] {
  if (!Array.isArray(body)) {
    throw invalidRequest('the PATCH body must be a JSON Patch array (RFC 6902) of replace/add operations');
  }
  return body.map((raw, index) => {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      throw invalidRequest(`operation ${index} is not an object with op, path and value`, `/${index}`);
    }
    const { op, path } = raw as { op?: unknown; path?: unknown };
    if (typeof op !== 'string' || !SUPPORTED_OPS.includes(op)) {
      throw invalidRequest(
        `operation ${index}: '${String(op)}' is not supported; the referrals API accepts only replace and add`,
        `/${index}/op`,
      );
    }
    if (typeof path !== 'string') throw invalidRequest(`operation ${index} has no string path`, `/${index}/path`);
    if (!('value' in raw)) throw invalidRequest(`operation ${index} (${op} ${path}) has no value`, `/${index}/value`);
    return { op: op as 'replace' | 'add', path, value: (raw as { value: unknown }).value };
  });
}

/**
 * Applies a patch to a document without mutating it and returns the new one.
 * Refused operations and operations fast-json-patch rejects (missing target,
 * index out of bounds, prototype paths) become 400 invalidRequest.
 */
export function applyJsonPatch<T>(document: T, body: unknown): T {
  const ops = checkPatchBody(body);
  try {
    // validateOperation=true, mutateDocument=false, banPrototypeModifications=true
    return jsonpatch.applyPatch(document, ops as Operation[], true, false, true).newDocument;
  } catch (e) {
    const err = e as { name?: string; message?: string; index?: number };
    const index = typeof err.index === 'number' ? err.index : undefined;
    const op = index === undefined ? undefined : ops[index];
    const where = op === undefined ? '' : `operation ${index} (${op.op} ${op.path}): `;
    const firstLine = (err.message ?? String(e)).split('\n')[0] ?? '';
    throw invalidRequest(`${where}${firstLine}`, op?.path ?? null);
  }
}
