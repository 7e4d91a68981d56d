import type { Comparator } from '../core/changeset.js';
import { UsageError } from '../core/errors.js';

/**
 * `--where` in compact form, the same structured selector a YAML `where` holds:
 *   --where status=Active                   equality            (status: Active)
 *   --where 'closingDateTime<2026-01-01'    lt le gt ge ne       (closingDateTime: { lt: 2026-01-01 })
 *   --where 'status=New|Active'             one of               (status: { in: [New, Active] })
 *   --where 'name~Contoso'                  contains text        (name: { contains: Contoso })
 *   --where 'name^=Contoso'                 starts with text     (name: { startswith: Contoso })
 * Repeated flags are ANDed. The result is the YAML-shaped object, so it goes
 * through the same normalisation as a change set's `where`.
 */
const OPERATORS: [string, Comparator][] = [
  ['^=', 'startswith'],
  ['~', 'contains'],
  ['!=', 'ne'],
  ['<=', 'le'],
  ['>=', 'ge'],
  ['=', 'eq'],
  ['<', 'lt'],
  ['>', 'gt'],
];

export type RawWhere = Record<string, string | Partial<Record<Comparator, string | string[]>>>;


export function parseWhereFlags(flags: readonly string[]): RawWhere {
  const where: RawWhere = {};
  for (const flag of flags) {
    const match = /^\s*([A-Za-z][A-Za-z0-9_/.]*)\s*(\^=|~|!=|<=|>=|=|<|>)(.*)$/.exec(flag);
    if (match === null) {
      throw new UsageError(
        `--where ${JSON.stringify(flag)} is not FIELD OP VALUE`,
        "write e.g. --where status=Active --where 'closingDateTime<2026-01-01' --where 'substatus=Pending|Received' (ops: = != < <= > >= ~ contains, ^= starts with)",
      );
    }
    const [, field = '', symbol = '', rawValue = ''] = match;
    const op = OPERATORS.find(([s]) => s === symbol)?.[1] ?? 'eq';
    const value = rawValue.trim();
    if (value === '') throw new UsageError(`--where ${JSON.stringify(flag)} has no value`, `e.g. --where ${field}${symbol}SOMETHING`);
    const existing = where[field];
    const tests: Partial<Record<Comparator, string | string[]>> =
      existing === undefined ? {} : typeof existing === 'string' ? { eq: existing } : existing;
    if (op === 'eq' && value.includes('|')) tests.in = value.split('|').map((v) => v.trim());
    else tests[op] = value;
    where[field] = Object.keys(tests).length === 1 && typeof tests.eq === 'string' ? tests.eq : tests;
  }
  return where;
}
