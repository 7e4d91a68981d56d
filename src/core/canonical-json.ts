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
  // The native serialiser does the escaping and number formatting (fast, and exactly
  // JSON.stringify's output, which JCS adopts); the replacer only re-orders keys and
  // refuses what JSON.stringify would otherwise silently turn into null or drop.
  const text = JSON.stringify(value, function (this: unknown, key: string, v: unknown) {
    switch (typeof v) {
      case 'number':
        if (!Number.isFinite(v)) throw new TypeError(`canonicalJson: ${describeKey(key)} is ${v}, which JSON cannot represent`);
        return v;
      case 'undefined':
        if (Array.isArray(this)) throw new TypeError(`canonicalJson: ${describeKey(key)} is undefined inside an array`);
        return v;
      case 'function':
      case 'symbol':
      case 'bigint':
        throw new TypeError(`canonicalJson: ${describeKey(key)} is a ${typeof v}, which JSON cannot represent`);
      case 'object': {
        if (v === null || Array.isArray(v)) return v;
        const record = v as Record<string, unknown>;
        // Null prototype: a `__proto__` key (JSON.parse keeps it as an own member) must stay a member.
        const sorted = Object.create(null) as Record<string, unknown>;
        for (const k of Object.keys(record).sort(compareCodeUnits)) sorted[k] = record[k];
        return sorted;
      }
      default:
        return v;
    }
  });
  if (text === undefined) throw new TypeError('canonicalJson: the value itself is not representable in JSON');
  return text;
}

function describeKey(key: string): string {
  return key === '' ? 'the value' : /^\d+$/.test(key) ? `item [${key}]` : `member "${key}"`;
}

// Array.prototype.sort's default compares UTF-16 code units, which is what JCS asks for;
// spelled out so nobody "fixes" it to localeCompare.
function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
