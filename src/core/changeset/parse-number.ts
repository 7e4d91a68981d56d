/**
 * Numbers as people type them in every locale: `12000`, `12,000.50`,
 * `12.000,50`, `12 000,50` (space, NBSP, narrow NBSP), `12'000.50`.
 * When the decimal separator is not known, it is inferred from a value that
 * can only be read one way and reported by the caller; a value that can be
 * read two ways (`1.234`) is an error, never a coin toss.
 */

export type DecimalSeparator = '.' | ',';

export type NumberResult =
  | { ok: true; value: number; inferred?: DecimalSeparator }
  | { ok: false; code: 'bad-number' | 'ambiguous-number'; message: string; hint: string };

const SPACE_SEPARATORS = /[ \u00A0\u202F'\u2019]/;

function fail(message: string, hint: string, code: 'bad-number' | 'ambiguous-number' = 'bad-number'): NumberResult {
  return { ok: false, code, message, hint };
}

/** `decimal` is what the file or --locale already established (undefined: not known yet). */
const PLAIN_INTEGER = /^[0-9]{1,15}$/;
const PLAIN_DECIMAL_POINT = /^[0-9]{1,15}\.[0-9]{1,15}$/;

export function parseLocaleNumber(input: string, decimal: DecimalSeparator | undefined): NumberResult {
  // Fast paths for what most cells hold; the general parser below agrees with them.
  if (PLAIN_INTEGER.test(input)) return { ok: true, value: Number(input) };
  if (decimal === '.' && PLAIN_DECIMAL_POINT.test(input)) return { ok: true, value: Number(input) };
  const text = input.trim();
  const formatHint =
    decimal === ','
      ? 'write digits with a decimal comma, e.g. 12500,50 or 12.500,50'
      : decimal === '.'
        ? 'write digits with a decimal point, e.g. 12500.50 or 12,500.50'
        : 'write digits, e.g. 12500 or 12500.50';
  if (text === '') return fail('empty number', formatHint);
  let body = text;
  let sign = 1;
  if (body.startsWith('-') || body.startsWith('+')) {
    if (body.startsWith('-')) sign = -1;
    body = body.slice(1);
  }
  if (/[^0-9., \u00A0\u202F'\u2019]/.test(body)) {
    const symbol = /[€$£¥₹]/.test(body) ? ' (put the currency in the currency field, not in the amount)' : '';
    return fail(`"${text}" is not a number${symbol}`, formatHint);
  }
  if (!/[0-9]/.test(body)) return fail(`"${text}" is not a number`, formatHint);

  const lastDot = body.lastIndexOf('.');
  const lastComma = body.lastIndexOf(',');
  const dots = body.split('.').length - 1;
  const commas = body.split(',').length - 1;
  let dec: DecimalSeparator | undefined;
  let inferred: DecimalSeparator | undefined;

  if (dots > 0 && commas > 0) {
    const candidate: DecimalSeparator = lastDot > lastComma ? '.' : ',';
    if ((candidate === '.' ? dots : commas) !== 1) return fail(`"${text}" has more than one decimal separator`, formatHint);
    dec = candidate;
  } else if (dots + commas > 1) {
    // Several of one kind can only be thousands separators.
    dec = dots > 0 ? ',' : '.';
  } else if (dots + commas === 1) {
    const sep: DecimalSeparator = dots === 1 ? '.' : ',';
    if (decimal !== undefined) {
      dec = decimal;
    } else {
      const [intPart = '', fracPart = ''] = body.split(sep);
      const intDigits = intPart.replace(/[^0-9]/g, '');
      if (fracPart.replace(/[^0-9]/g, '').length !== 3 || intDigits === '' || /^0+$/.test(intDigits) || SPACE_SEPARATORS.test(intPart)) {
        dec = sep;
      } else {
        return fail(
          `"${text}" is ambiguous: it is ${intDigits}${fracPart} with "${sep}" as a thousands separator, or ${intDigits}.${fracPart} with "${sep}" as the decimal separator`,
          'pass --locale (e.g. --locale nl-NL for a decimal comma, --locale en-US for a decimal point), or write the number without thousands separators',
          'ambiguous-number',
        );
      }
    }
  }
  if (dec !== undefined && decimal === undefined && dots + commas > 0) inferred = dec;
  const effective = decimal ?? dec ?? '.';
  const thousands = effective === '.' ? ',' : '.';

  const decParts = body.split(effective);
  if (decParts.length > 2) return fail(`"${text}" has more than one decimal separator`, formatHint);
  const intPart = decParts[0] ?? '';
  const fracPart = decParts[1];
  if (fracPart !== undefined && !/^[0-9]+$/.test(fracPart)) return fail(`"${text}" is not a number`, formatHint);
  const groups = intPart.split(new RegExp(`[${thousands === '.' ? '.' : ','} \\u00A0\\u202F'\\u2019]`));
  if (groups.length > 1) {
    const [first = '', ...rest] = groups;
    if (!/^[0-9]{1,3}$/.test(first) || rest.some((g) => !/^[0-9]{3}$/.test(g))) {
      return fail(`"${text}" has misplaced thousands separators`, formatHint);
    }
  } else if (!/^[0-9]+$/.test(intPart)) {
    return fail(`"${text}" is not a number`, formatHint);
  }
  const digits = groups.join('') + (fracPart === undefined ? '' : `.${fracPart}`);
  const value = sign * Number(digits);
  if (!Number.isFinite(value)) return fail(`"${text}" is out of range`, formatHint);
  return inferred === undefined ? { ok: true, value } : { ok: true, value, inferred };
}
