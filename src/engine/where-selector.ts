import type { WhereTest } from '../core/changeset.js';
import type { Diagnostic, SourceLocation } from '../core/diagnostics.js';
import { InvalidInputError } from '../core/errors.js';
import { normaliseChange } from '../core/changeset/normalise-change.js';
import type { RawChange, RawField, RawWhereTest } from '../core/changeset/raw-change.js';
import { loadVocabulary } from '../schema/changeset-vocabulary.js';

/** A `where` as the user wrote it (YAML-shaped): a value means equality, an object holds comparators. */
export type RawWhere = Record<string, string | Partial<Record<string, string | string[]>>>;

/**
 * Normalises a `where` given outside a change-set file (`refplan export --where`)
 * through the same normaliser a YAML `where` goes through, so both accept the
 * same fields, spellings and values. Throws InvalidInputError on a bad test.
 */
export function normaliseWhere(where: RawWhere, origin = '--where'): { tests: WhereTest[]; diagnostics: Diagnostic[] } {
  const keys = Object.keys(where);
  if (keys.length === 0) return { tests: [], diagnostics: [] };
  const at = (column: number): SourceLocation => ({ file: origin, line: 1, column });
  const tests: RawWhereTest[] = keys.map((key, i) => {
    const value = where[key];
    const comparators: RawField[] | undefined =
      typeof value === 'object' && value !== null
        ? Object.entries(value).map(([op, v]) => ({ key: op, keyAt: at(i + 1), value: { value: v, at: at(i + 1) } }))
        : undefined;
    return { key, keyAt: at(i + 1), value: { value, at: at(i + 1) }, ...(comparators === undefined ? {} : { comparators }) };
  });
  const raw: RawChange = { at: at(1), origin: 'yaml', where: { at: at(1), tests }, set: [], addTeamMembers: [] };
  const diagnostics: Diagnostic[] = [];
  const { change } = normaliseChange(raw, {
    vocab: loadVocabulary(),
    dialect: { file: origin },
    // A selector alone "sets nothing"; that warning is about change sets, not about --where.
    report: (d) => (d.code === 'empty-change' ? undefined : void diagnostics.push(d)),
  });
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0 || change === undefined || change.selector.kind !== 'where') {
    throw new InvalidInputError(`${origin} is not a valid selector`, errors, "write e.g. --where status=Active --where 'closingDateTime<2026-01-01'");
  }
  return { tests: change.selector.tests, diagnostics };
}
