import { randomUUID } from 'node:crypto';
import type { Referral } from '../core/referral.js';

/**
 * The emulator's in-memory referrals, in a stable insertion order, with a
 * serialisation cache for the hot GET path, the request/commit statistics and
 * the starting data that `reset()` restores.
 */
export interface EmulatorStats {
  requests: { total: number; byMethod: Record<string, number>; byStatus: Record<string, number> };
  commits: { total: number; byId: Record<string, number> };
}

interface Entry {
  doc: Referral;
  /** JSON of `doc`, filled on first read and dropped on write. */
  json: string | undefined;
}

const emptyStats = (): EmulatorStats => ({
  requests: { total: 0, byMethod: {}, byStatus: {} },
  commits: { total: 0, byId: {} },
});

/** A new concurrency token in the API's form: a GUID with literal quotes inside the string. */
export const newETag = (): string => `"${randomUUID()}"`;

export class ReferralStore {
  private entries: Entry[] = [];
  private byId = new Map<string, Entry>();
  private starting: string;
  private statsData: EmulatorStats = emptyStats();
  /** Bumped on every write, so list caches know when they are stale. */
  version = 0;

  constructor(
    initial: readonly Referral[],
    readonly now: () => Date = () => new Date(),
  ) {
    this.starting = JSON.stringify(initial);
    this.load(initial);
  }

  private load(docs: readonly Referral[]): void {
    this.entries = [];
    this.byId = new Map();
    for (const doc of docs) {
      const entry: Entry = { doc, json: undefined };
      this.entries.push(entry);
      this.byId.set(doc.id, entry);
    }
    this.version++;
  }

  get size(): number {
    return this.entries.length;
  }

  get(id: string): Referral | undefined {
    return this.byId.get(id)?.doc;
  }

  /** The referral's JSON, cached until its next write. */
  json(id: string): string | undefined {
    const entry = this.byId.get(id);
    if (entry === undefined) return undefined;
    entry.json ??= JSON.stringify(entry.doc);
    return entry.json;
  }

  /** Every referral in stable (insertion) order; do not mutate. */
  all(): readonly Referral[] {
    return this.entries.map((e) => e.doc);
  }

  jsonOf(doc: Referral): string {
    const entry = this.byId.get(doc.id);
    if (entry === undefined || entry.doc !== doc) return JSON.stringify(doc);
    entry.json ??= JSON.stringify(doc);
    return entry.json;
  }

  /** Stores a new referral (a commit). */
  insert(doc: Referral): Referral {
    const entry: Entry = { doc, json: undefined };
    this.entries.push(entry);
    this.byId.set(doc.id, entry);
    this.recordCommit(doc.id);
    return doc;
  }

  /** Replaces a stored referral with its next version (a commit); stamps eTag and updatedDateTime. */
  commit(id: string, next: Referral): Referral {
    const entry = this.byId.get(id);
    if (entry === undefined) throw new Error(`commit of unknown referral ${id}`);
    next.eTag = newETag();
    next.updatedDateTime = this.now().toISOString();
    entry.doc = next;
    entry.json = undefined;
    this.recordCommit(id);
    return next;
  }

  private recordCommit(id: string): void {
    this.version++;
    this.statsData.commits.total++;
    this.statsData.commits.byId[id] = (this.statsData.commits.byId[id] ?? 0) + 1;
  }

  /** Counts an answered API request; a dropped connection passes `status` undefined (no status was sent). */
  recordRequest(method: string, status: number | undefined): void {
    const r = this.statsData.requests;
    r.total++;
    r.byMethod[method] = (r.byMethod[method] ?? 0) + 1;
    if (status !== undefined) r.byStatus[status] = (r.byStatus[status] ?? 0) + 1;
  }

  stats(): EmulatorStats {
    return structuredClone(this.statsData);
  }

  /** The request and commit totals without copying the per-referral map (read-only view). */
  counters(): { requests: EmulatorStats['requests']; commits: { total: number } } {
    return { requests: this.statsData.requests, commits: { total: this.statsData.commits.total } };
  }

  /** Restores the starting data and zeroes the statistics. */
  reset(): void {
    this.load(JSON.parse(this.starting) as Referral[]);
    this.statsData = emptyStats();
  }

  /** A deep copy of the current referrals (for saving the data file). */
  snapshot(): Referral[] {
    return JSON.parse(`[${this.entries.map((e) => (e.json ??= JSON.stringify(e.doc))).join(',')}]`) as Referral[];
  }
}
