/**
 * Date-times as ISO 8601 or in an explicit format (`DD-MM-YYYY`, `MM/DD/YYYY HH:mm`),
 * normalised to UTC `YYYY-MM-DDTHH:mm:ssZ`. A day/month order is inferred only
 * from a value that can be read one way (`31/03/2026`); `03/04/2026` without a
 * format is an error.
 */

export type DateResult =
  | { ok: true; value: string; inferredFormat?: string; assumedUtc?: boolean }
  | { ok: false; code: 'bad-date' | 'ambiguous-date'; message: string; hint: string };

const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?)?$/;

interface Parts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millis: number;
  offsetMinutes: number;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

function format(p: Parts): string | undefined {
  if (p.month < 1 || p.month > 12 || p.day < 1 || p.day > daysInMonth(p.year, p.month)) return undefined;
  if (p.hour > 23 || p.minute > 59 || p.second > 59) return undefined;
  const ms = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second, p.millis) - p.offsetMinutes * 60_000;
  const iso = new Date(ms).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, 19)}Z` : iso;
}

function parseOffset(zone: string | undefined): number | undefined {
  if (zone === undefined || zone === 'Z' || zone === 'z') return 0;
  const m = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
  if (m === null) return undefined;
  const minutes = Number(m[2]) * 60 + Number(m[3] ?? '0');
  return m[1] === '-' ? -minutes : minutes;
}

const TOKEN = /YYYY|MM|DD|HH|mm|ss|M|D/g;

/** A regex for an explicit format; MM and DD accept one or two digits, as spreadsheets drop the zero. */
export function compileDateFormat(fmt: string): { regex: RegExp; order: string[] } | undefined {
  const order: string[] = [];
  let source = '';
  let last = 0;
  for (const m of fmt.matchAll(TOKEN)) {
    source += fmt.slice(last, m.index).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const token = m[0];
    order.push(token.length === 1 ? token + token : token);
    source += token === 'YYYY' ? '(\\d{4})' : '(\\d{1,2})';
    last = (m.index ?? 0) + token.length;
  }
  source += fmt.slice(last).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  if (!order.includes('YYYY') || !order.includes('MM') || !order.includes('DD')) return undefined;
  return { regex: new RegExp(`^${source}$`), order };
}

function fromFormat(text: string, fmt: string): Parts | undefined {
  const parts = fromExactFormat(text, fmt);
  if (parts !== undefined || fmt.includes('HH')) return parts;
  // A date format also accepts a time after it, as spreadsheets write one.
  return fromExactFormat(text, `${fmt} HH:mm`) ?? fromExactFormat(text, `${fmt} HH:mm:ss`);
}

function fromExactFormat(text: string, fmt: string): Parts | undefined {
  const compiled = compileDateFormat(fmt);
  if (compiled === undefined) return undefined;
  const m = compiled.regex.exec(text);
  if (m === null) return undefined;
  const get = (t: string) => {
    const i = compiled.order.indexOf(t);
    return i < 0 ? 0 : Number(m[i + 1]);
  };
  return { year: get('YYYY'), month: get('MM'), day: get('DD'), hour: get('HH'), minute: get('mm'), second: get('ss'), millis: 0, offsetMinutes: 0 };
}

const NUMERIC_DATE = /^(\d{1,2})([/.-])(\d{1,2})\2(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;

/** `dateFormat` is --date-format, or one the file already established. */
export function parseDateTime(input: string, dateFormat: string | undefined): DateResult {
  const text = input.trim();
  const example = dateFormat === undefined ? 'e.g. 2026-03-31 or 2026-03-31T17:00:00Z' : `as ${dateFormat} or ISO 8601 (2026-03-31)`;
  const dateOnly = DATE_ONLY.exec(text);
  if (dateOnly !== null) {
    // The common case, without building a Date: a calendar day means 00:00 UTC.
    const month = Number(dateOnly[2]);
    const day = Number(dateOnly[3]);
    if (month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(Number(dateOnly[1]), month)) return { ok: true, value: `${text}T00:00:00Z` };
    return { ok: false, code: 'bad-date', message: `"${text}" is not a valid date`, hint: `write a real calendar date, ${example}` };
  }
  const iso = ISO.exec(text);
  if (iso !== null) {
    const offset = parseOffset(iso[8]);
    const value =
      offset === undefined
        ? undefined
        : format({
            year: Number(iso[1]),
            month: Number(iso[2]),
            day: Number(iso[3]),
            hour: Number(iso[4] ?? '0'),
            minute: Number(iso[5] ?? '0'),
            second: Number(iso[6] ?? '0'),
            millis: Number(((iso[7] ?? '') + '000').slice(0, 3)),
            offsetMinutes: offset,
          });
    if (value === undefined) return { ok: false, code: 'bad-date', message: `"${text}" is not a valid date`, hint: `write a real calendar date, ${example}` };
    // A time without a zone is read as UTC (the API's zone); the caller reports that once.
    return iso[4] !== undefined && iso[8] === undefined ? { ok: true, value, assumedUtc: true } : { ok: true, value };
  }
  if (dateFormat !== undefined) {
    const parts = fromFormat(text, dateFormat);
    const value = parts === undefined ? undefined : format(parts);
    if (value === undefined) return { ok: false, code: 'bad-date', message: `"${text}" is not a date in the format ${dateFormat}`, hint: `write it ${example}` };
    return { ok: true, value };
  }
  const m = NUMERIC_DATE.exec(text);
  if (m !== null) {
    const a = Number(m[1]);
    const b = Number(m[3]);
    const sep = m[2] ?? '/';
    let inferred: string | undefined;
    if (a > 12 && b <= 12) inferred = `DD${sep}MM${sep}YYYY`;
    else if (b > 12 && a <= 12) inferred = `MM${sep}DD${sep}YYYY`;
    if (inferred === undefined) {
      return {
        ok: false,
        code: a > 12 && b > 12 ? 'bad-date' : 'ambiguous-date',
        message: a > 12 && b > 12 ? `"${text}" is not a valid date` : `"${text}" is ambiguous: day/month or month/day`,
        // Both parts above 12: no --date-format makes it a date.
        hint: a > 12 && b > 12 ? `write a real calendar date, ${example}` : `pass --date-format DD${sep}MM${sep}YYYY or --date-format MM${sep}DD${sep}YYYY, or write ISO 8601 (YYYY-MM-DD)`,
      };
    }
    const parts = fromFormat(text, inferred);
    const value = parts === undefined ? undefined : format(parts);
    if (value === undefined) return { ok: false, code: 'bad-date', message: `"${text}" is not a valid date`, hint: `write a real calendar date, ${example}` };
    return { ok: true, value, inferredFormat: inferred };
  }
  return { ok: false, code: 'bad-date', message: `"${text}" is not a date`, hint: `write ISO 8601, ${example}, or pass --date-format` };
}
