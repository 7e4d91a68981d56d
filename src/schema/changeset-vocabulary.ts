import type { FieldKind, FieldSpec, Vocabulary } from '../core/changeset/raw-change.js';
import { getAjv } from './ajv.js';
import { enumValues, loadReferralSchema, loadTransitionTable, loadWritablePaths, readSpec } from './specs.js';

/**
 * The change-set vocabulary, built once from specs/: fields and kinds from
 * writable-paths.json, enum spellings from referral.schema.json, currencies from
 * currencies.json, `where` paths by walking the referral schema. Nothing restated.
 */

type SchemaNode = {
  $ref?: string;
  type?: string | string[];
  enum?: string[];
  format?: string;
  properties?: Record<string, SchemaNode>;
};

let vocabulary: Vocabulary | undefined;

function resolveRef(root: SchemaNode & { $defs?: Record<string, SchemaNode> }, node: SchemaNode): SchemaNode {
  let current = node;
  for (let i = 0; i < 8 && current.$ref !== undefined; i++) {
    const name = current.$ref.replace(/^#\/\$defs\//, '');
    current = root.$defs?.[name] ?? {};
  }
  return current;
}

function leafKind(node: SchemaNode): Pick<FieldSpec, 'kind' | 'enumValues'> | undefined {
  const types = Array.isArray(node.type) ? node.type : node.type === undefined ? [] : [node.type];
  if (node.enum !== undefined) return { kind: 'enum', enumValues: node.enum };
  if (node.format === 'date-time') return { kind: 'date-time' };
  if (types.includes('number') || types.includes('integer')) return { kind: 'number' };
  if (types.includes('boolean')) return { kind: 'boolean' };
  if (types.includes('string')) return { kind: 'string' };
  return undefined;
}

/** Scalar paths of the referral schema (`customerProfile/address/country`), for `where`. */
function referralLeafPaths(): Map<string, FieldSpec> {
  const root = loadReferralSchema() as SchemaNode & { $defs?: Record<string, SchemaNode> };
  const out = new Map<string, FieldSpec>();
  const walk = (node: SchemaNode, prefix: string, depth: number) => {
    const resolved = resolveRef(root, node);
    if (resolved.properties !== undefined && depth < 4) {
      for (const [key, child] of Object.entries(resolved.properties)) walk(child, prefix === '' ? key : `${prefix}/${key}`, depth + 1);
      return;
    }
    const kind = leafKind(resolved);
    if (kind !== undefined && prefix !== '') out.set(prefix.toLowerCase(), { field: prefix, path: `/${prefix}`, nullable: true, ...kind });
  };
  walk(root, '', 0);
  return out;
}

export function loadVocabulary(): Vocabulary {
  if (vocabulary !== undefined) return vocabulary;
  const fields: FieldSpec[] = loadWritablePaths().writable.map((w) => {
    const kind: FieldKind = w.kind === 'array' || w.kind === 'member' ? 'string' : w.kind;
    const spec: FieldSpec = { field: w.field, path: w.path, kind, nullable: w.nullable === true };
    if (w.enum !== undefined) spec.enumValues = enumValues(w.enum);
    return spec;
  });
  const paths = referralLeafPaths();
  const currencies = new Set(readSpec<{ codes: string[] }>('currencies.json').codes);
  vocabulary = {
    fields,
    table: loadTransitionTable(),
    currencies,
    wherePath: (path) => paths.get(path.toLowerCase()),
    wherePathNames: [...paths.values()].map((p) => p.field),
  };
  return vocabulary;
}

const SCHEMA = 'changeset.schema.json';

function ensureSchema(): void {
  const ajv = getAjv();
  if (ajv.getSchema(SCHEMA) === undefined) ajv.addSchema(readSpec<object>(SCHEMA), SCHEMA);
}

/** The validator of the YAML document shape. */
export function changeSetDocumentValidator() {
  ensureSchema();
  const v = getAjv().getSchema(SCHEMA);
  if (v === undefined) throw new Error(`no schema ${SCHEMA}`);
  return v;
}

/** The validator of one normalised Change (lengths and enums from the referral schema). */
export function normalisedChangeValidator() {
  ensureSchema();
  const v = getAjv().getSchema(`${SCHEMA}#/$defs/Change`);
  if (v === undefined) throw new Error(`no schema ${SCHEMA}#/$defs/Change`);
  return v;
}
