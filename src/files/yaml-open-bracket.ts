import { CST, Parser } from 'yaml';

/**
 * Where an unclosed flow collection (`{ a: 1` or `[1, 2`) opens. The yaml library reports a
 * missing `}` or `]` where it gave up (often the end of the file); the user needs the bracket
 * that was never closed. Returns the offset of the innermost unclosed `opener` before `errorOffset`.
 */
export function unclosedFlowStart(text: string, errorOffset: number, opener: '{' | '['): number | undefined {
  let found: number | undefined;
  for (const token of new Parser().parse(text)) {
    if (token.type !== 'document') continue;
    CST.visit(token, (item) => {
      for (const t of [item.key, item.value]) {
        if (t?.type !== 'flow-collection' || t.start.source !== opener) continue;
        const closer = t.start.source === '{' ? 'flow-map-end' : 'flow-seq-end';
        const closed = t.end.some((e) => e.type === closer);
        if (!closed && t.start.offset <= errorOffset && (found === undefined || t.start.offset > found)) found = t.start.offset;
      }
    });
  }
  return found;
}
