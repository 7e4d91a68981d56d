import { error, info, type Diagnostic } from '../diagnostics.js';
import type { FieldSpec, FileDialect, RawValue } from './raw-change.js';
import { parseLocaleNumber } from './parse-number.js';
import { parseDateTime } from './parse-date.js';
import { looseKey, suggest, suggestionHint } from './suggest.js';

/** The documented token that clears a value in CSV (and YAML), so an empty cell can mean "unchanged". */
export const CLEAR_TOKEN = '#CLEAR';

export const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export interface ValueContext {
  dialect: FileDialect;
  currencies: ReadonlySet<string>;
  report: (d: Diagnostic) => void;
}

/** `undefined` = rejected (a diagnostic was pushed); otherwise the API value (`null` = clear). */
export type Normalised = string | number | boolean | null | undefined;

const EMAIL = /^[^\s@"<>(),;:]+@[^\s@"<>(),;:]+\.[^\s@"<>(),;:]+$/;

export function textOf(raw: RawValue): string {
  if (raw.text !== undefined) return raw.text;
  if (typeof raw.value === 'string') return raw.value;
  try {
    return JSON.stringify(raw.value) ?? String(raw.value);
  } catch {
    return String(raw.value);
  }
}

export function isClear(raw: RawValue): boolean {
  return raw.value === null || (typeof raw.value === 'string' && raw.value.trim().toUpperCase() === CLEAR_TOKEN);
}

function reject(ctx: ValueContext, raw: RawValue, code: string, message: string, hint: string): undefined {
  ctx.report(error(code, message, { at: raw.at, text: textOf(raw).slice(0, 200), hint }));
  return undefined;
}

/** A string field. Numbers are accepted for free text, but never for ids: YAML turns `00123` into 123. */
export function normaliseString(spec: { field: string; idLike?: boolean }, raw: RawValue, ctx: ValueContext): Normalised {
  const v = raw.value;
  if (typeof v === 'string') return spec.idLike === true ? v.trim() : v;
  if (typeof v === 'number' || typeof v === 'bigint') {
    if (spec.idLike === true) {
      return reject(ctx, raw, 'unquoted-id', `${spec.field} must be a string, but YAML read ${textOf(raw)} as a number`, `quote it: ${spec.field}: "${textOf(raw)}" (YAML drops leading zeros and rounds long numbers)`);
    }
    return textOf(raw);
  }
  return reject(ctx, raw, 'wrong-type', `${spec.field} must be text`, `write a plain text value for ${spec.field}`);
}

export function normaliseEnum(spec: FieldSpec, raw: RawValue, ctx: ValueContext): Normalised {
  const values = spec.enumValues ?? [];
  if (typeof raw.value !== 'string') {
    return reject(ctx, raw, 'bad-enum', `${spec.field} must be one of ${values.join(', ')}`, suggestionHint(textOf(raw), values, 'accepted values'));
  }
  const key = looseKey(raw.value);
  const match = values.find((v) => looseKey(v) === key);
  if (match === undefined) {
    return reject(ctx, raw, 'bad-enum', `"${raw.value.trim()}" is not a valid ${spec.field}`, suggestionHint(raw.value.trim(), values, 'accepted values'));
  }
  return match;
}

export function normaliseNumber(spec: FieldSpec, raw: RawValue, ctx: ValueContext): Normalised {
  let value: number;
  if (typeof raw.value === 'number') {
    value = raw.value;
  } else if (typeof raw.value === 'string') {
    const result = parseLocaleNumber(raw.value, ctx.dialect.decimal);
    if (!result.ok) return reject(ctx, raw, result.code, `${spec.field}: ${result.message}`, result.hint);
    if (result.inferred !== undefined && ctx.dialect.decimal === undefined) {
      ctx.dialect.decimal = result.inferred;
      ctx.dialect.decimalFrom = 'data';
      ctx.report(
        info('guess-decimal', `decimal separator "${result.inferred}" inferred from ${JSON.stringify(raw.value.trim())}; every number in this file is read that way`, {
          at: raw.at,
          hint: 'pass --locale (e.g. nl-NL or en-US) to state it instead',
        }),
      );
    }
    value = result.value;
  } else {
    return reject(ctx, raw, 'bad-number', `${spec.field} must be a number`, 'write digits, e.g. 12500.50');
  }
  if (!Number.isFinite(value) || value < 0) {
    return reject(ctx, raw, 'bad-number', `${spec.field} must be a number of at least 0`, 'write a positive amount without a sign, e.g. 12500');
  }
  return value;
}

export function normaliseCurrency(spec: FieldSpec, raw: RawValue, ctx: ValueContext): Normalised {
  if (typeof raw.value !== 'string') return reject(ctx, raw, 'bad-currency', `${spec.field} must be an ISO 4217 code`, 'write a three-letter code such as EUR or USD');
  const code = raw.value.trim().toUpperCase();
  if (ctx.currencies.has(code)) return code;
  const symbols: Record<string, string> = { '€': 'EUR', $: 'USD', '£': 'GBP', '¥': 'JPY', '₹': 'INR', 'US$': 'USD', EURO: 'EUR', EUROS: 'EUR', DOLLAR: 'USD' };
  const bySymbol = symbols[code];
  const close = suggest(code, [...ctx.currencies]);
  const hint =
    bySymbol !== undefined
      ? `write the ISO 4217 code "${bySymbol}" instead of a symbol or name`
      : close !== undefined
        ? `did you mean "${close}"? (codes: specs/currencies.json)`
        : 'write a three-letter ISO 4217 code such as EUR, USD or GBP (list: specs/currencies.json)';
  return reject(ctx, raw, 'bad-currency', `"${raw.value.trim()}" is not an ISO 4217 currency code`, hint);
}

export function normaliseDate(spec: FieldSpec, raw: RawValue, ctx: ValueContext): Normalised {
  if (typeof raw.value !== 'string') return reject(ctx, raw, 'bad-date', `${spec.field} must be a date`, 'write ISO 8601, e.g. 2026-03-31');
  const result = parseDateTime(raw.value, ctx.dialect.dateFormat);
  if (!result.ok) return reject(ctx, raw, result.code, `${spec.field}: ${result.message}`, result.hint);
  if (result.inferredFormat !== undefined && ctx.dialect.dateFormat === undefined) {
    ctx.dialect.dateFormat = result.inferredFormat;
    ctx.dialect.dateFormatFrom = 'data';
    ctx.report(
      info('guess-date-format', `date format ${result.inferredFormat} inferred from ${JSON.stringify(raw.value.trim())}; every date in this file is read that way`, {
        at: raw.at,
        hint: 'pass --date-format to state it instead',
      }),
    );
  }
  if (result.assumedUtc === true && ctx.dialect.utcNoted !== true) {
    ctx.dialect.utcNoted = true;
    ctx.report(info('guess-time-zone', `date-times without a time zone are read as UTC (first: ${JSON.stringify(raw.value.trim())})`, { at: raw.at, hint: 'add Z or an offset such as +02:00 to state the zone' }));
  }
  return result.value;
}

export function normaliseEmail(raw: RawValue, ctx: ValueContext): Normalised {
  if (typeof raw.value !== 'string' || !EMAIL.test(raw.value.trim()) || raw.value.trim().length > 320) {
    return reject(ctx, raw, 'bad-email', `"${textOf(raw)}" is not an e-mail address`, 'write an address such as jane.doe@contoso.com');
  }
  return raw.value.trim();
}

/** Dispatches on the field's kind (from specs/writable-paths.json); `null`/#CLEAR only where the path is nullable. */
export function normaliseFieldValue(spec: FieldSpec, raw: RawValue, ctx: ValueContext): Normalised {
  if (isClear(raw)) {
    if (spec.nullable) return null;
    return reject(ctx, raw, 'not-clearable', `${spec.field} cannot be cleared (the API requires a value at ${spec.path})`, 'leave the cell empty to keep the current value, or write a new value');
  }
  switch (spec.kind) {
    case 'string':
      return normaliseString({ field: spec.field, idLike: spec.field === 'externalReferenceId' }, raw, ctx);
    case 'enum':
      return normaliseEnum(spec, raw, ctx);
    case 'number':
      return normaliseNumber(spec, raw, ctx);
    case 'currency':
      return normaliseCurrency(spec, raw, ctx);
    case 'date-time':
      return normaliseDate(spec, raw, ctx);
    case 'boolean':
      if (typeof raw.value === 'boolean') return raw.value;
      if (typeof raw.value === 'string' && /^(true|false)$/i.test(raw.value.trim())) return raw.value.trim().toLowerCase() === 'true';
      return reject(ctx, raw, 'wrong-type', `${spec.field} must be true or false`, 'write true or false');
    default: {
      const never: never = spec.kind;
      throw new Error(`unknown field kind ${String(never)}`);
    }
  }
}
