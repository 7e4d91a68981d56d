/**
 * The shape of specs/writable-paths.json as the pure core sees it. Declared here
 * (structurally identical to `WritablePaths` in src/schema/specs.ts) because core
 * may not import schema; the data itself always comes from the spec file.
 */
export interface WritablePathRule {
  /** Change-set vocabulary name, e.g. `dealValue`. */
  field: string;
  /** JSON Pointer, e.g. `/details/dealValue`; `/team/-` for team additions. */
  path: string;
  ops: ('replace' | 'add')[];
  kind: 'string' | 'enum' | 'number' | 'currency' | 'date-time' | 'array' | 'member';
  enum?: string;
  nullable?: boolean;
}

export interface WritablePathTable {
  writable: WritablePathRule[];
  readOnly: { path: string; why: string }[];
}

/** Leaf rules: every writable path that holds one scalar value (not the team array or a member). */
export function leafRules(table: WritablePathTable): WritablePathRule[] {
  return table.writable.filter((r) => r.kind !== 'array' && r.kind !== 'member');
}

/** The array path team additions append to (`/team`, from the `member` rule `/team/-`). */
export function teamArrayPath(table: WritablePathTable): string | undefined {
  const member = table.writable.find((r) => r.kind === 'member');
  return member?.path.replace(/\/-$/, '');
}

/** Vocabulary field for a path (`/details/dealValue` → `dealValue`), or the path itself. */
export function fieldForPath(table: WritablePathTable | undefined, path: string): string {
  return table?.writable.find((r) => r.path === path)?.field ?? path;
}
