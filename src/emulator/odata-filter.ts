import type { Referral } from '../core/referral.js';
import { invalidRequest } from './api-error.js';

/**
 * A small OData `$filter` parser and evaluator covering what the referrals API
 * documents: eq, ne, and, or, not, parentheses, single-quoted strings ('' is a
 * quote), null, ge/gt/le/lt on date-times, `/` paths, `contains()` and
 * `startswith()` on text fields, and `team/any(t:t/email eq '...')`. Anything else is a 400 naming the unsupported
 * part, never silently ignored (a dropped filter would select too much).
 */
export type Predicate = (referral: Referral) => boolean;

type FieldKind = 'string' | 'enum' | 'date-time';
interface FieldDef {
  kind: FieldKind;
  get: (r: Referral) => unknown;
}

/** The fields the API notes list as filterable, plus id and externalReferenceId. */
const FIELDS: Record<string, FieldDef> = {
  id: { kind: 'string', get: (r) => r.id },
  engagementId: { kind: 'string', get: (r) => r['engagementId'] },
  externalReferenceId: { kind: 'string', get: (r) => r.externalReferenceId },
  status: { kind: 'enum', get: (r) => r.status },
  substatus: { kind: 'enum', get: (r) => r.substatus },
  qualification: { kind: 'enum', get: (r) => r.qualification },
  type: { kind: 'enum', get: (r) => r['type'] },
  direction: { kind: 'enum', get: (r) => r['direction'] },
  updatedDateTime: { kind: 'date-time', get: (r) => r.updatedDateTime },
  'customerProfile/address/country': {
    kind: 'enum', // country codes: matched case-insensitively like enums
    get: (r) => (r['customerProfile'] as { address?: { country?: unknown } } | undefined)?.address?.country,
  },
};
/** Fields of a team member usable inside `team/any(...)`. */
const MEMBER_FIELDS: Record<string, FieldDef> = {
  email: { kind: 'enum', get: (m) => (m as { email?: unknown }).email }, // e-mail addresses are case-insensitive
};
const FIELD_LIST = [...Object.keys(FIELDS), "team/any(t:t/email eq '...')"].join(', ');

type Token =
  | { t: 'str'; v: string; pos: number }
  | { t: 'date'; v: string; pos: number }
  | { t: 'num'; v: string; pos: number }
  | { t: 'word'; v: string; pos: number }
  | { t: 'punct'; v: '(' | ')' | ':' | ','; pos: number };

const DATE_RE = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?/;
const NUM_RE = /^-?\d+(?:\.\d+)?/;
const WORD_RE = /^[A-Za-z_$@][\w$@.]*(?:\/[A-Za-z_$@][\w$@.]*)*/;

function fail(text: string, message: string, pos?: number): never {
  const where = pos === undefined ? '' : ` at position ${pos + 1}`;
  throw invalidRequest(`unsupported $filter${where}: ${message} (in "${text}")`, '$filter');
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (c === '(' || c === ')' || c === ':' || c === ',') {
      tokens.push({ t: 'punct', v: c, pos: i });
      i++;
      continue;
    }
    if (c === "'") {
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= text.length) fail(text, 'string literal is not closed with a single quote', i);
        const d = text[j] as string;
        if (d === "'") {
          if (text[j + 1] === "'") {
            value += "'";
            j += 2;
            continue;
          }
          break;
        }
        value += d;
        j++;
      }
      tokens.push({ t: 'str', v: value, pos: i });
      i = j + 1;
      continue;
    }
    const rest = text.slice(i);
    const date = DATE_RE.exec(rest);
    if (date !== null) {
      tokens.push({ t: 'date', v: date[0], pos: i });
      i += date[0].length;
      continue;
    }
    const num = NUM_RE.exec(rest);
    if (num !== null) {
      tokens.push({ t: 'num', v: num[0], pos: i });
      i += num[0].length;
      continue;
    }
    const word = WORD_RE.exec(rest);
    if (word !== null) {
      tokens.push({ t: 'word', v: word[0], pos: i });
      i += word[0].length;
      continue;
    }
    fail(text, `unexpected character '${c}'`, i);
  }
  return tokens;
}

const COMPARISONS = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
type Literal = { kind: 'null' } | { kind: 'string'; value: string } | { kind: 'date'; ms: number; text: string } | { kind: 'other'; text: string };

class Parser {
  private i = 0;
  constructor(
    private readonly text: string,
    private readonly tokens: Token[],
  ) {}

  parse(): Predicate {
    if (this.tokens.length === 0) fail(this.text, 'the filter is empty');
    const p = this.orExpr(undefined);
    const extra = this.tokens[this.i];
    if (extra !== undefined) fail(this.text, `unexpected '${extra.v}' after a complete expression`, extra.pos);
    return p;
  }

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }
  private isWord(v: string): boolean {
    const t = this.peek();
    return t !== undefined && t.t === 'word' && t.v.toLowerCase() === v;
  }
  private expectPunct(v: string): void {
    const t = this.peek();
    if (t === undefined || t.t !== 'punct' || t.v !== v) {
      fail(this.text, t === undefined ? `expected '${v}' but the filter ended` : `expected '${v}' but found '${t.v}'`, t?.pos);
    }
    this.i++;
  }

  private orExpr(scope: string | undefined): Predicate {
    let left = this.andExpr(scope);
    while (this.isWord('or')) {
      this.i++;
      const a = left;
      const b = this.andExpr(scope);
      left = (r) => a(r) || b(r);
    }
    return left;
  }

  private andExpr(scope: string | undefined): Predicate {
    let left = this.unary(scope);
    while (this.isWord('and')) {
      this.i++;
      const a = left;
      const b = this.unary(scope);
      left = (r) => a(r) && b(r);
    }
    return left;
  }

  private unary(scope: string | undefined): Predicate {
    if (this.isWord('not')) {
      this.i++;
      const inner = this.unary(scope);
      return (r) => !inner(r);
    }
    const t = this.peek();
    if (t === undefined) fail(this.text, 'the filter ends where a condition was expected');
    if (t.t === 'punct' && t.v === '(') {
      this.i++;
      const inner = this.orExpr(scope);
      this.expectPunct(')');
      return inner;
    }
    if (t.t !== 'word') fail(this.text, `expected a field name but found '${t.v}'`, t.pos);
    return this.condition(scope);
  }

  private condition(scope: string | undefined): Predicate {
    const t = this.peek() as Token & { t: 'word' };
    this.i++;
    const next = this.peek();
    if (next !== undefined && next.t === 'punct' && next.v === '(') {
      if (scope === undefined && t.v === 'team/any') return this.teamAny(t.pos);
      const fn = t.v.toLowerCase();
      if (fn === 'contains' || fn === 'startswith') return this.textFunction(fn, t.pos, scope);
      fail(this.text, `function or lambda '${t.v}(...)' is not supported; only contains(), startswith() and team/any(t:t/email eq '...') are`, t.pos);
    }
    const field = this.resolveField(t.v, t.pos, scope);
    const opToken = this.peek();
    if (opToken === undefined || opToken.t !== 'word' || !COMPARISONS.has(opToken.v.toLowerCase())) {
      fail(
        this.text,
        opToken === undefined ? `expected an operator (eq, ne, gt, ge, lt, le) after '${t.v}'` : `operator '${opToken.v}' is not supported (use eq, ne, gt, ge, lt, le)`,
        opToken?.pos,
      );
    }
    this.i++;
    const op = opToken.v.toLowerCase();
    const literal = this.literal();
    return this.compare(t.v, field, op, literal, opToken.pos);
  }

  private resolveField(path: string, pos: number, scope: string | undefined): FieldDef {
    if (scope !== undefined) {
      const prefix = `${scope}/`;
      if (path.startsWith(prefix)) {
        const member = MEMBER_FIELDS[path.slice(prefix.length)];
        if (member !== undefined) return member;
        fail(this.text, `'${path}' cannot be filtered inside team/any(); only ${scope}/email can`, pos);
      }
      fail(this.text, `'${path}' is not a path on the lambda variable '${scope}'`, pos);
    }
    const field = FIELDS[path];
    if (field === undefined) fail(this.text, `field '${path}' cannot be filtered; filterable: ${FIELD_LIST}`, pos);
    return field;
  }

  private literal(): Literal {
    const t = this.peek();
    if (t === undefined) fail(this.text, 'a value was expected at the end of the filter');
    this.i++;
    if (t.t === 'str') return { kind: 'string', value: t.v };
    if (t.t === 'date') {
      const ms = Date.parse(t.v);
      if (Number.isNaN(ms)) fail(this.text, `'${t.v}' is not a valid date-time`, t.pos);
      return { kind: 'date', ms, text: t.v };
    }
    if (t.t === 'word' && t.v.toLowerCase() === 'null') return { kind: 'null' };
    return { kind: 'other', text: t.v };
  }

  private compare(name: string, field: FieldDef, op: string, lit: Literal, pos: number): Predicate {
    const get = field.get;
    if (field.kind === 'date-time') {
      let ms: number;
      if (lit.kind === 'date') ms = lit.ms;
      else if (lit.kind === 'string' && !Number.isNaN(Date.parse(lit.value))) ms = Date.parse(lit.value);
      else if (lit.kind === 'null' && (op === 'eq' || op === 'ne')) {
        return op === 'eq' ? (r) => get(r) == null : (r) => get(r) != null;
      } else fail(this.text, `'${name}' is a date-time; compare it with a value like 2025-01-31T00:00:00Z`, pos);
      const value = (r: Referral): number => {
        const v = get(r);
        return typeof v === 'string' ? Date.parse(v) : Number.NaN;
      };
      switch (op) {
        case 'eq':
          return (r) => value(r) === ms;
        case 'ne':
          return (r) => value(r) !== ms;
        case 'gt':
          return (r) => value(r) > ms;
        case 'ge':
          return (r) => value(r) >= ms;
        case 'lt':
          return (r) => value(r) < ms;
        default:
          return (r) => value(r) <= ms;
      }
    }
    if (op !== 'eq' && op !== 'ne') {
      fail(this.text, `operator '${op}' works only on date-times (updatedDateTime), not on '${name}'`, pos);
    }
    if (lit.kind === 'null') {
      return op === 'eq' ? (r) => get(r) == null : (r) => get(r) != null;
    }
    if (lit.kind !== 'string') {
      const text = lit.kind === 'date' ? lit.text : lit.text;
      fail(this.text, `'${name}' is compared with a quoted string, e.g. ${name} eq '${text}'`, pos);
    }
    let test: Predicate;
    if (field.kind === 'enum') {
      const want = lit.value.toLowerCase();
      test = (r) => {
        const v = get(r);
        return typeof v === 'string' && v.toLowerCase() === want;
      };
    } else {
      const want = lit.value;
      test = (r) => get(r) === want;
    }
    return op === 'eq' ? test : (r) => !test(r);
  }

  /**
   * `contains(field,'text')` / `startswith(field,'text')` on a string field:
   * case-insensitive on enum-like fields (as their eq is), exact on the others.
   */
  private textFunction(fn: 'contains' | 'startswith', pos: number, scope: string | undefined): Predicate {
    this.expectPunct('(');
    const f = this.peek();
    if (f === undefined || f.t !== 'word') fail(this.text, `${fn}() needs a field first, e.g. ${fn}(externalReferenceId,'CRM-')`, f?.pos ?? pos);
    this.i++;
    const field = this.resolveField(f.v, f.pos, scope);
    if (field.kind === 'date-time') fail(this.text, `${fn}() works on text fields, not on the date-time '${f.v}'`, f.pos);
    this.expectPunct(',');
    const lit = this.literal();
    if (lit.kind !== 'string') fail(this.text, `${fn}() compares with a quoted string, e.g. ${fn}(${f.v},'abc')`, pos);
    this.expectPunct(')');
    const fold = field.kind === 'enum';
    const want = fold ? lit.value.toLowerCase() : lit.value;
    const get = field.get;
    return (r) => {
      const v = get(r);
      if (typeof v !== 'string') return false;
      const hay = fold ? v.toLowerCase() : v;
      return fn === 'contains' ? hay.includes(want) : hay.startsWith(want);
    };
  }

  private teamAny(pos: number): Predicate {
    this.expectPunct('(');
    const v = this.peek();
    if (v === undefined || v.t !== 'word' || v.v.includes('/')) {
      fail(this.text, "team/any needs a lambda variable, e.g. team/any(t:t/email eq 'a@b.com')", pos);
    }
    this.i++;
    this.expectPunct(':');
    const body = this.orExpr(v.v);
    this.expectPunct(')');
    return (r) => {
      const team = r.team;
      if (!Array.isArray(team)) return false;
      for (const member of team) {
        if (member !== null && typeof member === 'object' && body(member as unknown as Referral)) return true;
      }
      return false;
    };
  }
}

/** Compiles a `$filter` to a predicate, or throws a 400 invalidRequest naming the unsupported part. */
export function compileFilter(text: string): Predicate {
  return new Parser(text, tokenize(text)).parse();
}
