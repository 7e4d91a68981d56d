import { unclosedFlowStart } from './yaml-open-bracket.js';
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseAllDocuments, visit, type Document, type Node as YamlNode, type Pair } from 'yaml';
import type { ErrorObject } from 'ajv';
import { error, type Diagnostic, type SourceLocation } from '../core/diagnostics.js';
import type { RawChange, RawField, RawMember, RawValue, RawWhereTest } from '../core/changeset/raw-change.js';
import { PROTOTYPE_KEYS } from '../core/changeset/normalise-value.js';
import { suggestionHint } from '../core/changeset/suggest.js';
import { changeSetDocumentValidator, loadVocabulary } from '../schema/changeset-vocabulary.js';

/**
 * YAML text → raw changes with line/column positions. Syntax errors, alias
 * bombs, prototype keys and document-shape errors (ajv, specs/changeset.schema.json)
 * become positioned diagnostics; a change whose shape is wrong is not normalised.
 */

const MAX_ALIASES = 100;
const ENTRY_KEYS = ['id', 'externalReferenceId', 'where', 'allowNone', 'eTag', 'set', 'close', 'accept', 'reason', 'addTeamMember'];

type AnyNode = YamlNode | Pair | null | undefined;

export function readYamlChangeSet(text: string, file: string, report: (d: Diagnostic) => void): RawChange[] {
  const lineCounter = new LineCounter();
  const at = (offset: number | undefined): SourceLocation => {
    const p = lineCounter.linePos(offset ?? 0);
    return { file, line: p.line, column: p.col };
  };
  const nodeAt = (node: AnyNode, fallback: SourceLocation): SourceLocation => {
    const range = node !== null && node !== undefined && 'range' in node ? node.range : undefined;
    return range === undefined || range === null ? fallback : at(range[0]);
  };
  const docs = parseAllDocuments(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (!Array.isArray(docs) || docs.length === 0) {
    report(error('empty-file', 'the file is empty', { at: { file, line: 1, column: 1 }, hint: 'start it with changes: and a list of changes' }));
    return [];
  }
  if (docs.length > 1) {
    report(error('several-documents', 'the file holds more than one YAML document (---)', { at: nodeAt(docs[1]?.contents, { file, line: 1, column: 1 }), hint: 'put all changes in one changes: list, or split into several files' }));
    return [];
  }
  const doc = docs[0];
  if (doc === undefined) return [];
  let broken = false;
  for (const e of [...doc.errors]) {
    broken = true;
    const message = (e.message.split('\n')[0] ?? e.message).replace(/ at line \d+, column \d+:?$/, '');
    // A missing } or ] is found where the parser gave up; point at the bracket that never closed.
    const missing = /end with an? ([}\]])/.exec(message)?.[1];
    const bracket = missing === ']' ? (['[', ']'] as const) : (['{', '}'] as const);
    const opened = missing === undefined ? undefined : unclosedFlowStart(text, e.pos[0], bracket[0]);
    if (opened !== undefined) {
      report(error('yaml-syntax', `YAML syntax: the ${bracket[0]} opened here is never closed (${message})`, { at: at(opened), hint: `close it with ${bracket[1]} on the same entry (or write the entry as a block, one key per line)` }));
      // What the parser says after it ("Nested mappings are not allowed…" on the next entry) only
      // follows from the bracket: one error, where the problem starts.
      break;
    }
    report(error('yaml-syntax', `YAML syntax: ${message}`, { at: at(e.pos[0]), hint: 'fix the YAML syntax here (indentation, quotes, colons)' }));
  }
  if (broken) return [];

  let js: unknown;
  try {
    js = doc.toJS({ maxAliasCount: MAX_ALIASES });
  } catch (e) {
    let first: AnyNode;
    visit(doc, { Alias: (_, node) => ((first = node), visit.BREAK) });
    report(
      error('alias-bomb', `YAML aliases expand too far (${e instanceof Error ? e.message : String(e)})`, {
        at: nodeAt(first, { file, line: 1, column: 1 }),
        hint: `use anchors and aliases sparingly (at most ${MAX_ALIASES} expansions), or write the values out`,
      }),
    );
    return [];
  }
  if (js === null || js === undefined) {
    report(error('empty-file', 'the file is empty', { at: { file, line: 1, column: 1 }, hint: 'start it with changes: and a list of changes' }));
    return [];
  }

  const badEntries = new Set<number>();
  visit(doc, {
    Pair(_, pair) {
      const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (key !== undefined && PROTOTYPE_KEYS.has(key)) {
        report(error('prototype-key', `"${key}" is not allowed as a key`, { at: nodeAt(pair.key as AnyNode, { file, line: 1, column: 1 }), text: key, hint: 'remove it: __proto__, constructor and prototype are refused anywhere in a change set' }));
        broken = true;
      }
    },
  });
  if (broken) return [];

  const validate = changeSetDocumentValidator();
  if (!validate(js)) {
    const seenPaths = new Set<string>();
    // One message per node: the most specific first (an unknown key says more than a failed anyOf branch).
    const rank = (k: string) => (k === 'additionalProperties' ? 0 : k === 'required' ? 1 : k === 'anyOf' ? 9 : 5);
    const all = validate.errors ?? [];
    const firstIndex = new Map<string, number>();
    all.forEach((e, i) => firstIndex.set(e.instancePath, firstIndex.get(e.instancePath) ?? i));
    const errors = [...all].sort((a, b) => (firstIndex.get(a.instancePath) ?? 0) - (firstIndex.get(b.instancePath) ?? 0) || rank(a.keyword) - rank(b.keyword));
    for (const e of errors) {
      const segments = e.instancePath.split('/').slice(1).map((s) => (/^\d+$/.test(s) ? Number(s) : s.replace(/~1/g, '/').replace(/~0/g, '~')));
      if (seenPaths.has(e.instancePath)) continue;
      seenPaths.add(e.instancePath);
      if (segments[0] === 'changes' && typeof segments[1] === 'number') badEntries.add(segments[1]);
      else broken = true;
      report(shapeDiagnostic(e, segments, doc, (n) => nodeAt(n, { file, line: 1, column: 1 })));
    }
  }
  if (broken) return [];

  const changes = resolve(doc, (doc.contents as AnyNode) ?? null);
  const list = isMap(changes) ? resolve(doc, changes.get('changes', true) as AnyNode) : undefined;
  if (!isSeq(list)) return [];
  const raws: RawChange[] = [];
  list.items.forEach((item, index) => {
    if (badEntries.has(index)) return;
    const entry = resolve(doc, item as AnyNode);
    if (!isMap(entry)) return;
    const entryAt = nodeAt(item as AnyNode, { file, line: 1, column: 1 });
    const raw: RawChange = { at: entryAt, origin: 'yaml', set: [], addTeamMembers: [] };
    const rawOf = (node: AnyNode, keyNode: AnyNode): RawValue => {
      const target = resolve(doc, node);
      const where = nodeAt(node ?? keyNode, entryAt);
      if (target === null || target === undefined) return { value: null, at: where };
      if (isScalar(target)) {
        const value = target.value;
        if ((typeof value === 'number' || typeof value === 'bigint') && target.range) return { value, at: where, text: text.slice(target.range[0], target.range[1]) };
        return { value, at: where };
      }
      return { value: (target as YamlNode).toJS(doc, { maxAliasCount: MAX_ALIASES }), at: where };
    };
    const fieldsOf = (mapNode: AnyNode): RawField[] => {
      const m = resolve(doc, mapNode);
      if (!isMap(m)) return [];
      return m.items.map((p) => ({ key: isScalar(p.key) ? String(p.key.value) : String(p.key), keyAt: nodeAt(p.key as AnyNode, entryAt), value: rawOf(p.value as AnyNode, p.key as AnyNode) }));
    };
    for (const pair of entry.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : '';
      const value = pair.value as AnyNode;
      switch (key) {
        case 'id':
        case 'externalReferenceId':
        case 'eTag':
        case 'allowNone':
        case 'close':
        case 'accept':
        case 'reason':
          raw[key] = rawOf(value, pair.key as AnyNode);
          break;
        case 'set':
          raw.set = fieldsOf(value);
          break;
        case 'where': {
          const whereNode = resolve(doc, value);
          const tests: RawWhereTest[] = [];
          if (isMap(whereNode)) {
            for (const p of whereNode.items) {
              const test: RawWhereTest = { key: isScalar(p.key) ? String(p.key.value) : '', keyAt: nodeAt(p.key as AnyNode, entryAt), value: rawOf(p.value as AnyNode, p.key as AnyNode) };
              if (isMap(resolve(doc, p.value as AnyNode))) test.comparators = fieldsOf(p.value as AnyNode);
              tests.push(test);
            }
          }
          raw.where = { at: nodeAt(value, entryAt), tests };
          break;
        }
        case 'addTeamMember': {
          const node = resolve(doc, value);
          const members: AnyNode[] = isSeq(node) ? (node.items as AnyNode[]) : [value];
          raw.addTeamMembers = members.map((m): RawMember => ({ at: nodeAt(m, entryAt), fields: fieldsOf(m) }));
          break;
        }
        default:
          break;
      }
    }
    raws.push(raw);
  });
  return raws;
}

function resolve(doc: Document, node: AnyNode): AnyNode {
  let current = node;
  for (let i = 0; i < 16 && isAlias(current); i++) current = current.resolve(doc) as AnyNode;
  return current;
}

/** An ajv error → a diagnostic at the YAML node it is about, in words a user acts on. */
function shapeDiagnostic(e: ErrorObject, segments: (string | number)[], doc: Document, where: (n: AnyNode) => SourceLocation): Diagnostic {
  const node = doc.getIn(segments, true) as AnyNode;
  const path = segments.join('.') || 'the document';
  // Outside one entry of changes: the document as a whole is not a change set (no changes: list,
  // a list at the top, a stray top-level key): a broken file, not one bad change.
  const inOneEntry = segments[0] === 'changes' && typeof segments[1] === 'number';
  const code = (c: string): string => (inOneEntry ? c : 'not-a-change-set');
  if (e.keyword === 'additionalProperties') {
    const key = String((e.params as { additionalProperty: string }).additionalProperty);
    const keyNode = isMap(node) ? node.items.find((p) => isScalar(p.key) && String(p.key.value) === key)?.key : undefined;
    const inEntry = segments.length === 2 && segments[0] === 'changes';
    const vocab = loadVocabulary().fields.map((f) => f.field);
    const allowed = inEntry ? ENTRY_KEYS : segments.length === 0 ? ['changes'] : segments.includes('where') ? ['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'in'] : ['email', 'firstName', 'lastName', 'phoneNumber'];
    const hint = inEntry && vocab.some((f) => f.toLowerCase() === key.toLowerCase()) ? `put it under set: (set: { ${key}: ... })` : suggestionHint(key, allowed, 'keys');
    return error(code('unknown-key'), `unknown key "${key}" in ${path}`, { at: where((keyNode as AnyNode) ?? node), text: key, hint });
  }
  if (e.keyword === 'required') {
    const missing = String((e.params as { missingProperty: string }).missingProperty);
    return error(code('missing-key'), `${path} needs "${missing}"`, { at: where(node), hint: missing === 'changes' ? 'start the file with changes: followed by a list of changes' : `add ${missing}:` });
  }
  if (e.keyword === 'type' && segments.length === 0) {
    return error(code('wrong-shape'), 'a change set is a mapping with a changes: list', { at: where(node), hint: 'start the file with changes: followed by a list of changes (- id: ...)' });
  }
  const found = isScalar(node) ? String(node.value) : undefined;
  return error(code('wrong-shape'), `${path} ${e.message ?? 'is not valid'}`, { at: where(node), ...(found === undefined ? {} : { text: found }), hint: 'see specs/changeset.schema.json and docs/guides/yaml-change-sets.md' });
}
