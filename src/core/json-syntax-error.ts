/**
 * Where JSON text first goes wrong. Node 20's JSON.parse messages give a
 * position for some mistakes and not for others ("Unexpected token 'x', ... is
 * not valid JSON"), so a small scanner finds it instead: the offset, 1-based
 * line and column, and whether the text simply ended early (a truncated file).
 */
export interface JsonSyntaxProblem {
  offset: number;
  line: number;
  column: number;
  /** True when the text ended before the value was complete. */
  truncated: boolean;
  /** The character found, or undefined at the end of the text. */
  found: string | undefined;
}

class Stop {
  constructor(readonly offset: number) {}
}

/** Undefined when `text` is valid JSON. */
export function locateJsonSyntaxError(text: string): JsonSyntaxProblem | undefined {
  let i = 0;
  const ws = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t')) i++;
  };
  const expect = (s: string) => {
    for (const ch of s) {
      if (text[i] !== ch) throw new Stop(i);
      i++;
    }
  };
  const string = () => {
    expect('"');
    for (;;) {
      if (i >= text.length) throw new Stop(i);
      const c = text.charCodeAt(i);
      if (c === 0x22) return void i++;
      if (c < 0x20) throw new Stop(i);
      if (c === 0x5c) {
        i++;
        const e = text[i];
        if (e === 'u') {
          i++;
          for (let k = 0; k < 4; k++, i++) if (!/[0-9a-fA-F]/.test(text[i] ?? '')) throw new Stop(i);
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i++;
        else throw new Stop(i);
      } else i++;
    }
  };
  const digits = () => {
    const start = i;
    while (i < text.length && text[i]! >= '0' && text[i]! <= '9') i++;
    if (i === start) throw new Stop(i);
  };
  const number = () => {
    if (text[i] === '-') i++;
    if (text[i] === '0') i++;
    else digits();
    if (text[i] === '.') {
      i++;
      digits();
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      digits();
    }
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        string();
        ws();
        expect(':');
        value();
        ws();
        if (text[i] === ',') i++;
        else return expect('}');
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else return expect(']');
      }
    }
    if (c === '"') return string();
    if (c === 't') return expect('true');
    if (c === 'f') return expect('false');
    if (c === 'n') return expect('null');
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return number();
    throw new Stop(i);
  };
  try {
    value();
    ws();
    if (i < text.length) throw new Stop(i);
    return undefined;
  } catch (e) {
    if (!(e instanceof Stop)) throw e;
    return describe(text, Math.min(e.offset, text.length));
  }
}

function describe(text: string, offset: number): JsonSyntaxProblem {
  let line = 1;
  let lineStart = 0;
  for (let k = 0; k < offset; k++) {
    if (text.charCodeAt(k) === 0x0a) {
      line++;
      lineStart = k + 1;
    }
  }
  return {
    offset,
    line,
    column: offset - lineStart + 1,
    truncated: offset >= text.length,
    found: offset < text.length ? text[offset] : undefined,
  };
}
