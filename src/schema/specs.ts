import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TransitionTable } from '../core/transitions.js';

/**
 * Reads specs/ once. The same files serve the CLI and the emulator, from the
 * source tree (tests) and from dist/ (the built CLI), so the folder is found by
 * walking up rather than by a fixed relative path.
 */
function findSpecsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'specs');
    if (existsSync(join(candidate, 'transitions.json'))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new Error('refplan: cannot find its specs/ folder next to the installed package');
    dir = parent;
  }
}

export const specsDir: string = findSpecsDir();

/** The change-set schema editors check YAML against (also exported as `refplan/changeset.schema.json`). */
export const changesetSchemaPath: string = join(specsDir, 'changeset.schema.json');

const cache = new Map<string, unknown>();

export function readSpec<T = unknown>(name: string): T {
  let value = cache.get(name);
  if (value === undefined) {
    value = JSON.parse(readFileSync(join(specsDir, name), 'utf8')) as unknown;
    cache.set(name, value);
  }
  return value as T;
}

import type { WritablePathRule, WritablePathTable } from '../core/writable-paths.js';

/** The shape of specs/writable-paths.json; declared once, in core, which may not import schema. */
export type WritablePath = WritablePathRule;
export type WritablePaths = WritablePathTable;

export const loadTransitionTable = (): TransitionTable => readSpec<TransitionTable>('transitions.json');
export const loadWritablePaths = (): WritablePaths => readSpec<WritablePaths>('writable-paths.json');
export const loadReferralSchema = (): Record<string, unknown> => readSpec<Record<string, unknown>>('referral.schema.json');

/** Enum literals by $defs name (e.g. `ReferralStatus`), from the referral schema. */
export function enumValues(name: string): string[] {
  const defs = loadReferralSchema()['$defs'] as Record<string, { enum?: string[] }> | undefined;
  const values = defs?.[name]?.enum;
  if (values === undefined) throw new Error(`specs/referral.schema.json has no enum $defs/${name}`);
  return values;
}
