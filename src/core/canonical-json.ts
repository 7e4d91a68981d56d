/**
 * Canonical JSON: object keys sorted by UTF-16 code units, no whitespace,
 * numbers and strings as JSON.stringify writes them. This is the RFC 8785 (JCS)
 * form for the values plans hold, so a checksum over it does not depend on key
 * order or on how the file was pretty-printed.
 *
 * `undefined` object members are left out (as JSON.stringify does); anything
 * JSON cannot represent exactly (NaN, Infinity, functions, bigint, undefined in
 * an array) throws, because a checksum over a lossy form would not be stable.
 */
export function canonicalJson(value: unknown): string {
  return write(value, '$');
}

function write(value: unknown, at: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${at} is ${value}, which JSON cannot represent`);
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) {
        return `[${value.map((item, i) => {
          if (item === undefined) throw new TypeError(`canonicalJson: ${at}[${i}] is undefined`);
          return write(item, `${at}[${i}]`);
        }).join(',')}]`;
      }
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).filter((k) => record[k] !== undefined).sort(compareCodeUnits);
      return `{${keys.map((k) => `${JSON.stringify(k)}:${write(record[k], `${at}.${k}`)}`).join(',')}}`;
    }
    default:
      throw new TypeError(`canonicalJson: ${at} is a ${typeof value}, which JSON cannot represent`);
  }
}

// Array.prototype.sort's default compares UTF-16 code units, which is what JCS asks for;
// spelled out so nobody "fixes" it to localeCompare.
function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
