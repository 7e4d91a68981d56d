import { error, warning, type Diagnostic, type SourceLocation } from '../diagnostics.js';
import type { Change, Comparator, NewTeamMember, Selector, SettableField, WhereTest } from '../changeset.js';
import type { JsonValue } from '../referral.js';
import type { FieldSpec, FileDialect, RawChange, RawField, RawValue, Vocabulary } from './raw-change.js';
import { normaliseEmail, normaliseFieldValue, normaliseString, PROTOTYPE_KEYS, textOf, type ValueContext } from './normalise-value.js';
import { looseKey, suggestionHint } from './suggest.js';
import { checkChangeRules } from './change-rules.js';

/**
 * Raw change (YAML or CSV, with locations) → normalised `Change`. Never throws
 * on bad input: every problem becomes a diagnostic, and the change is returned
 * only when none of them is an error.
 */

export interface NormaliseContext {
  vocab: Vocabulary;
  dialect: FileDialect;
  report: (d: Diagnostic) => void;
}

export interface NormaliseResult {
  change?: Change;
  /** JSON Pointer in the normalised change → where the user wrote it, to place schema errors. */
  locations: Map<string, SourceLocation>;
}

const COMPARATORS: readonly Comparator[] = ['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'in', 'contains', 'startswith'];
export const MEMBER_FIELDS: readonly (keyof NewTeamMember)[] = ['email', 'firstName', 'lastName', 'phoneNumber'];

/** The vocabulary field a key names (case-insensitive), pushing "did you mean" when there is none. */
export function resolveField(vocab: Vocabulary, key: string, at: SourceLocation, report: (d: Diagnostic) => void): FieldSpec | undefined {
  if (PROTOTYPE_KEYS.has(key)) {
    report(error('prototype-key', `"${key}" is not allowed as a key`, { at, text: key, hint: 'remove it: __proto__, constructor and prototype are refused anywhere in a change set' }));
    return undefined;
  }
  const spec = settableByName(vocab).get(key.trim().toLowerCase());
  if (spec !== undefined) return spec;
  const names = settable(vocab).map((f) => f.field);
  const hint = looseKey(key) === 'team' ? 'a team is extended with addTeamMember (email, firstName, lastName, phoneNumber)' : suggestionHint(key, names, 'fields');
  report(error('unknown-field', `unknown field "${key}"`, { at, text: key, hint }));
  return undefined;
}

const settableCache = new WeakMap<Vocabulary, { list: readonly FieldSpec[]; byName: Map<string, FieldSpec> }>();

function settableOf(vocab: Vocabulary) {
  let entry = settableCache.get(vocab);
  if (entry === undefined) {
    const list = vocab.fields.filter((f) => f.field !== 'team' && f.field !== 'addTeamMember');
    entry = { list, byName: new Map(list.map((f) => [f.field.toLowerCase(), f])) };
    settableCache.set(vocab, entry);
  }
  return entry;
}

/** Vocabulary fields a change may set directly (team and addTeamMember have their own syntax). */
export function settable(vocab: Vocabulary): readonly FieldSpec[] {
  return settableOf(vocab).list;
}

/** The same, by lower-case name. */
export function settableByName(vocab: Vocabulary): ReadonlyMap<string, FieldSpec> {
  return settableOf(vocab).byName;
}

export function normaliseChange(raw: RawChange, ctx: NormaliseContext): NormaliseResult {
  let errors = 0;
  const report = (d: Diagnostic) => {
    if (d.severity === 'error') errors++;
    ctx.report(d);
  };
  const vctx: ValueContext = { dialect: ctx.dialect, currencies: ctx.vocab.currencies, report };
  const locations = new Map<string, SourceLocation>();
  const set: Change['set'] = {};

  const selector = normaliseSelector(raw, ctx.vocab, vctx, locations);

  for (const field of raw.set) {
    const spec = resolveField(ctx.vocab, field.key, field.keyAt, report);
    if (spec === undefined) continue;
    const name = spec.field as SettableField;
    if (locations.has(`/set/${name}`)) {
      report(error('duplicate-field', `${name} is set twice in one change`, { at: field.keyAt, text: field.key, hint: 'keep one of them' }));
      continue;
    }
    locations.set(`/set/${name}`, field.value.at);
    const value = normaliseFieldValue(spec, field.value, vctx);
    if (value !== undefined && typeof value !== 'boolean') set[name] = value;
  }

  expandShorthands(raw, ctx.vocab, set, locations, report);

  const addTeamMembers: NewTeamMember[] = [];
  raw.addTeamMembers.forEach((member, index) => {
    const m = normaliseMember(member.fields, member.at, vctx, locations, `/addTeamMembers/${index}`);
    if (m !== undefined) addTeamMembers.push(m);
  });

  let pinnedETag: string | undefined;
  if (raw.eTag !== undefined && !(typeof raw.eTag.value === 'string' && raw.eTag.value.trim() === '')) {
    const v = normaliseString({ field: 'eTag', idLike: true }, raw.eTag, vctx);
    if (typeof v === 'string') {
      pinnedETag = v;
      locations.set('/pinnedETag', raw.eTag.at);
    }
  }
  let allowNone: boolean | undefined;
  if (raw.allowNone !== undefined) {
    if (typeof raw.allowNone.value !== 'boolean') {
      report(error('wrong-type', 'allowNone must be true or false', { at: raw.allowNone.at, text: textOf(raw.allowNone), hint: 'write allowNone: true' }));
    } else if (raw.where === undefined) {
      report(error('allow-none-without-where', 'allowNone only applies to a where selector', { at: raw.allowNone.at, hint: 'remove allowNone, or select with where' }));
    } else {
      allowNone = raw.allowNone.value;
    }
  }

  checkChangeRules({ set, locations, at: raw.at, pinned: pinnedETag !== undefined, table: ctx.vocab.table, report });

  if (Object.keys(set).length === 0 && addTeamMembers.length === 0 && errors === 0 && (raw.exportCells?.blank.length ?? 0) === 0) {
    ctx.report(warning('empty-change', 'this change sets nothing', { at: raw.at, hint: 'add fields to set, or remove the entry' }));
  }
  if (errors > 0 || selector === undefined) return { locations };
  const change: Change = { source: raw.at, selector, set, addTeamMembers };
  if (pinnedETag !== undefined) change.pinnedETag = pinnedETag;
  if (allowNone !== undefined) change.allowNone = allowNone;
  if (raw.exportCells !== undefined && (raw.exportCells.blank.length > 0 || raw.exportCells.readOnly.length > 0)) change.exportCells = raw.exportCells;
  if (raw.portalReadOnly !== undefined && raw.portalReadOnly.length > 0) change.portalReadOnly = raw.portalReadOnly;
  return { change, locations };
}

function normaliseSelector(raw: RawChange, vocab: Vocabulary, vctx: ValueContext, locations: Map<string, SourceLocation>): Selector | undefined {
  const given = [raw.id && 'id', raw.externalReferenceId && 'externalReferenceId', raw.where && 'where'].filter((x): x is string => typeof x === 'string');
  if (given.length === 0) {
    vctx.report(error('no-selector', 'the change does not say which referral it changes', { at: raw.at, hint: raw.origin === 'csv' ? 'fill in the id (or externalReferenceId) cell of this row' : 'add id: "<referral id>", externalReferenceId: "<CRM id>" or where: {...}' }));
    return undefined;
  }
  if (given.length > 1) {
    vctx.report(error('several-selectors', `the change selects by ${given.join(' and ')}; use exactly one`, { at: raw.at, hint: 'keep one of id, externalReferenceId and where (to set externalReferenceId, put it under set:)' }));
    return undefined;
  }
  if (raw.id !== undefined) {
    const id = normaliseString({ field: 'id', idLike: true }, raw.id, vctx);
    if (typeof id !== 'string') return undefined;
    if (id === '') return void vctx.report(error('no-selector', 'id is empty', { at: raw.id.at, hint: 'write the referral id' }));
    locations.set('/selector/id', raw.id.at);
    return { kind: 'id', id };
  }
  if (raw.externalReferenceId !== undefined) {
    const x = normaliseString({ field: 'externalReferenceId', idLike: true }, raw.externalReferenceId, vctx);
    if (typeof x !== 'string') return undefined;
    if (x === '') return void vctx.report(error('no-selector', 'externalReferenceId is empty', { at: raw.externalReferenceId.at, hint: 'write the CRM id' }));
    locations.set('/selector/externalReferenceId', raw.externalReferenceId.at);
    return { kind: 'externalReferenceId', externalReferenceId: x };
  }
  const where = raw.where;
  if (where === undefined) return undefined;
  const tests: WhereTest[] = [];
  let ok = true;
  for (const test of where.tests) {
    const field = resolveWhereKey(vocab, test.key, test.keyAt, vctx.report);
    if (field === undefined) {
      ok = false;
      continue;
    }
    const name = vocab.fields.includes(field) ? field.field : field.path.replace(/^\//, '');
    const comparators: RawField[] = test.comparators ?? [{ key: 'eq', keyAt: test.keyAt, value: test.value }];
    for (const c of comparators) {
      const op = COMPARATORS.find((x) => x === c.key);
      if (op === undefined) {
        vctx.report(error('bad-comparator', `unknown comparator "${c.key}"`, { at: c.keyAt, text: c.key, hint: suggestionHint(c.key, COMPARATORS, 'comparators') }));
        ok = false;
        continue;
      }
      const value = whereValue(field, op, c.value, vctx);
      if (value === undefined) ok = false;
      else tests.push({ field: name, op, value });
    }
  }
  if (where.tests.length === 0) {
    vctx.report(error('empty-where', 'where has no conditions: it would select every referral', { at: where.at, hint: 'add a condition such as status: Active' }));
    return undefined;
  }
  return ok ? { kind: 'where', tests } : undefined;
}

function resolveWhereKey(vocab: Vocabulary, key: string, at: SourceLocation, report: (d: Diagnostic) => void): FieldSpec | undefined {
  const path = key.trim().replace(/\./g, '/').replace(/^\//, '');
  const bad = path.split('/').find((s) => PROTOTYPE_KEYS.has(s));
  if (bad !== undefined) {
    report(error('prototype-key', `"${bad}" is not allowed in a where path`, { at, text: key, hint: 'remove it' }));
    return undefined;
  }
  const byField = settable(vocab).find((f) => f.field.toLowerCase() === path.toLowerCase());
  if (byField !== undefined) return byField;
  const byPath = vocab.wherePath(path);
  if (byPath !== undefined) return byPath;
  const names = [...settable(vocab).map((f) => f.field), ...vocab.wherePathNames];
  // `country` is the last part of `customerProfile/address/country`: suggest the path rather than list every one.
  const byLeaf = vocab.wherePathNames.filter((p) => p.split('/').pop()?.toLowerCase() === path.toLowerCase());
  const hint =
    byLeaf.length === 1 ? `did you mean "${byLeaf[0]}"?`
    : byLeaf.length > 1 ? `did you mean one of ${byLeaf.map((p) => `"${p}"`).join(', ')}?`
    : suggestionHint(key, names, 'fields and paths');
  report(error('unknown-field', `"${key}" is neither a change-set field nor a referral path`, { at, text: key, hint }));
  return undefined;
}

function whereValue(field: FieldSpec, op: Comparator, raw: RawValue, vctx: ValueContext): JsonValue | undefined {
  const one = (r: RawValue): JsonValue | undefined => {
    if (r.value === null) return null;
    const v = normaliseFieldValue({ ...field, nullable: true }, r, vctx);
    return v === undefined ? undefined : v;
  };
  if (op === 'contains' || op === 'startswith') {
    // A part of a value, so not checked as a whole one (`Clos` is no status, but starts one).
    const text = typeof raw.value === 'string' || typeof raw.value === 'number' ? textOf(raw).trim() : '';
    if (text === '') {
      vctx.report(error('wrong-type', `${op} needs text to look for`, { at: raw.at, text: textOf(raw), hint: `write ${op}: Contoso` }));
      return undefined;
    }
    return text;
  }
  if (op === 'in') {
    if (!Array.isArray(raw.value)) {
      vctx.report(error('wrong-type', 'in needs a list of values', { at: raw.at, text: textOf(raw), hint: 'write in: [Won, Lost]' }));
      return undefined;
    }
    const values = (raw.value as unknown[]).map((v) => one({ value: v, at: raw.at }));
    return values.some((v) => v === undefined) ? undefined : (values as JsonValue[]);
  }
  return one(raw);
}

function normaliseMember(fields: RawField[], at: SourceLocation, vctx: ValueContext, locations: Map<string, SourceLocation>, pointer: string): NewTeamMember | undefined {
  const member: Partial<Record<keyof NewTeamMember, string>> = {};
  let ok = true;
  for (const f of fields) {
    const name = MEMBER_FIELDS.find((m) => m.toLowerCase() === f.key.trim().toLowerCase());
    if (name === undefined) {
      vctx.report(error(PROTOTYPE_KEYS.has(f.key) ? 'prototype-key' : 'unknown-field', `unknown team member field "${f.key}"`, { at: f.keyAt, text: f.key, hint: suggestionHint(f.key, MEMBER_FIELDS, 'member fields') }));
      ok = false;
      continue;
    }
    locations.set(`${pointer}/${name}`, f.value.at);
    const value = name === 'email' ? normaliseEmail(f.value, vctx) : normaliseString({ field: `addTeamMember.${name}` }, f.value, vctx);
    if (typeof value === 'string') member[name] = value;
    else ok = false;
  }
  if (!ok) return undefined;
  if (member.email === undefined) {
    vctx.report(error('member-without-email', 'a team member to add needs an email', { at, hint: 'add email: jane.doe@contoso.com' }));
    return undefined;
  }
  return { ...member, email: member.email };
}

function expandShorthands(raw: RawChange, vocab: Vocabulary, set: Change['set'], locations: Map<string, SourceLocation>, report: (d: Diagnostic) => void): void {
  const assign = (field: SettableField, value: string | null, at: SourceLocation, via: string) => {
    if (locations.has(`/set/${field}`)) {
      report(error('conflicting-shorthand', `${via} sets ${field}, which set: also sets`, { at, hint: `use either ${via} or set.${field}, not both` }));
      return;
    }
    set[field] = value;
    locations.set(`/set/${field}`, at);
  };
  const shorthands = vocab.table.shorthands;
  if (raw.close !== undefined) {
    const key = typeof raw.close.value === 'string' ? raw.close.value.trim().toLowerCase() : '';
    const target = Object.prototype.hasOwnProperty.call(shorthands.close, key) ? shorthands.close[key] : undefined;
    if (target === undefined) {
      report(error('bad-enum', `"${textOf(raw.close)}" is not a way to close`, { at: raw.close.at, text: textOf(raw.close), hint: suggestionHint(textOf(raw.close), Object.keys(shorthands.close), 'values of close') }));
    } else {
      assign('status', target.status, raw.close.at, 'close');
      assign('substatus', target.substatus, raw.close.at, 'close');
    }
  }
  if (raw.accept !== undefined) {
    if (raw.accept.value !== true) {
      report(error('bad-accept', 'accept only takes true', { at: raw.accept.at, text: textOf(raw.accept), hint: 'write accept: true, or remove it' }));
    } else if (raw.close !== undefined) {
      report(error('conflicting-shorthand', 'a change cannot both accept and close', { at: raw.accept.at, hint: 'keep one of accept and close' }));
    } else {
      assign('status', shorthands.accept.status, raw.accept.at, 'accept');
      assign('substatus', shorthands.accept.substatus, raw.accept.at, 'accept');
    }
  }
  if (raw.reason !== undefined) {
    const v = raw.reason.value;
    if (v === null) assign('statusReason', null, raw.reason.at, 'reason');
    else if (typeof v === 'string' || typeof v === 'number') assign('statusReason', textOf(raw.reason), raw.reason.at, 'reason');
    else report(error('wrong-type', 'reason must be text', { at: raw.reason.at, text: textOf(raw.reason), hint: 'write reason: Customer chose another vendor' }));
  }
}
