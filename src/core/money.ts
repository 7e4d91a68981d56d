/**
 * Money as a reviewer reads it: each amount with its own currency's minor
 * units (JPY 1,500, USD 1,500.00, KWD 1,500.000), the code after the number so
 * columns of mixed currencies still line up on the digits. Pure: Intl only.
 *
 * A single value keeps any extra decimals it really has (JPY 1,500.5 is not
 * shown as 1,501, which would hide a change); totals are rounded to the
 * currency's minor unit, where float sums leave noise.
 */

const LOCALE = 'en-US';
const MINUS = '\u2212';
/** Minor units for a code Intl does not know (or no code at all): the common case. */
const DEFAULT_DIGITS = 2;
const MAX_DIGITS = 10;

const digitsCache = new Map<string, number>();
const formatCache = new Map<string, Intl.NumberFormat>();

/** The currency's minor-unit digits per ISO 4217 as Intl knows them (JPY 0, USD 2, KWD 3); 2 for an unknown or malformed code. */
export function currencyDigits(currency: string | null | undefined): number {
  if (currency === null || currency === undefined || !/^[A-Za-z]{3}$/.test(currency)) return DEFAULT_DIGITS;
  const code = currency.toUpperCase();
  let digits = digitsCache.get(code);
  if (digits === undefined) {
    try {
      digits = new Intl.NumberFormat(LOCALE, { style: 'currency', currency: code }).resolvedOptions().maximumFractionDigits ?? DEFAULT_DIGITS;
    } catch {
      digits = DEFAULT_DIGITS;
    }
    digitsCache.set(code, digits);
  }
  return digits;
}

export interface MoneyFormatOptions {
  /** `+1,500.00` / `−1,500.00` / `±0.00`: for differences. */
  signed?: boolean;
  /** Round to the currency's minor unit (totals); otherwise a value keeps the decimals it has. */
  rounded?: boolean;
  /** Append the currency code (default true when a currency is given). */
  withCode?: boolean;
}

/** Decimals in the shortest round-trip spelling of n (1500.5 → 1, 1e-7 → 7). */
function decimalsOf(n: number): number {
  const text = String(Math.abs(n));
  const exp = /e-(\d+)$/.exec(text);
  if (exp !== null) {
    const mantissa = text.slice(0, exp.index);
    const dot = mantissa.indexOf('.');
    return Number(exp[1]) + (dot < 0 ? 0 : mantissa.length - dot - 1);
  }
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : text.length - dot - 1;
}

function numberFormat(min: number, max: number): Intl.NumberFormat {
  const key = `${min}:${max}`;
  let format = formatCache.get(key);
  if (format === undefined) {
    format = new Intl.NumberFormat(LOCALE, { minimumFractionDigits: min, maximumFractionDigits: max });
    formatCache.set(key, format);
  }
  return format;
}

/** The amount alone, digits grouped, with the currency's decimals: `1,500.00`, `150,000`. */
export function formatAmount(amount: number, currency?: string | null, options: Omit<MoneyFormatOptions, 'withCode'> = {}): string {
  if (!Number.isFinite(amount)) return String(amount);
  const digits = currencyDigits(currency);
  const max = options.rounded === true ? digits : Math.min(MAX_DIGITS, Math.max(digits, decimalsOf(amount)));
  const magnitude = numberFormat(digits, max).format(Math.abs(amount));
  // An amount that rounds to zero has no sign of its own: ±0.00 as a difference, 0.00 otherwise.
  const zero = !/[1-9]/.test(magnitude);
  if (options.signed !== true) return amount < 0 && !zero ? `${MINUS}${magnitude}` : magnitude;
  return (zero ? '±' : amount > 0 ? '+' : MINUS) + magnitude;
}

/** `1,500.00 USD`, `150,000 JPY`, `+1,500.00 USD`; without a currency the amount alone. */
export function formatMoney(amount: number, currency?: string | null, options: MoneyFormatOptions = {}): string {
  const text = formatAmount(amount, currency, options);
  const withCode = options.withCode ?? true;
  return withCode && currency !== null && currency !== undefined && currency !== '' ? `${text} ${currency}` : text;
}
