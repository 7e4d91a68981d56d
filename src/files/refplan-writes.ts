import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { replayJournal } from './journal.js';

/**
 * What refplan itself wrote, from the journals it keeps next to plans (and in
 * their `.history/` folders): for each referral, which version each applied
 * write replaced (the If-Match eTag) and which it produced. The spreadsheet loop
 * uses it to know which rows of an export refplan has changed since.
 */
export type RefplanWrites = Map<string, Map<string, string>>;

function journalsIn(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const here = names.filter((n) => n.endsWith('.journal.jsonl')).map((n) => join(dir, n));
  const history = names.filter((n) => n.endsWith('.history')).flatMap((n) => {
    try {
      return readdirSync(join(dir, n))
        .filter((m) => m.endsWith('.journal.jsonl'))
        .map((m) => join(dir, n, m));
    } catch {
      return [];
    }
  });
  return [...here, ...history];
}

function headerChecksum(path: string): string | undefined {
  try {
    const text = readFileSync(path, 'utf8');
    const first = text.slice(0, text.indexOf('\n') < 0 ? text.length : text.indexOf('\n'));
    const header = JSON.parse(first) as { event?: unknown; planChecksum?: unknown };
    return header.event === 'header' && typeof header.planChecksum === 'string' ? header.planChecksum : undefined;
  } catch {
    return undefined;
  }
}

/** Reads every journal in `dirs` (and their history folders); an unreadable one is skipped (it only makes planning read more). */
export function readRefplanWrites(dirs: readonly string[]): RefplanWrites {
  const writes: RefplanWrites = new Map();
  const seen = new Set<string>();
  for (const dir of new Set(dirs)) {
    if (!existsSync(dir)) continue;
    for (const path of journalsIn(dir)) {
      if (seen.has(path)) continue;
      seen.add(path);
      const checksum = headerChecksum(path);
      if (checksum === undefined) continue;
      let entries;
      try {
        entries = replayJournal(path, checksum).entries;
      } catch {
        continue;
      }
      for (const [referralId, state] of entries) {
        if (state.outcome !== 'applied' || state.intentETag === undefined || state.eTag === undefined) continue;
        const byFrom = writes.get(referralId) ?? new Map<string, string>();
        byFrom.set(state.intentETag, state.eTag);
        writes.set(referralId, byFrom);
      }
    }
  }
  return writes;
}

/** The version refplan's own writes led to from `eTag` (following write after write), or `eTag` when it wrote none. */
export function latestOwnVersion(writes: RefplanWrites, referralId: string, eTag: string): string {
  const byFrom = writes.get(referralId);
  let current = eTag;
  for (let hops = 0; byFrom !== undefined && hops < 1000; hops++) {
    const next = byFrom.get(current);
    if (next === undefined || next === current) break;
    current = next;
  }
  return current;
}
