import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { PlanIntegrityError } from '../core/errors.js';
import { PLAN_FORMAT, type NotRestorable, type Plan, type PlanEntry } from '../core/plan.js';
import { summarisePlan } from '../core/plan-summary.js';
import { invertEntry } from '../core/rollback-plan.js';
import { stripJson } from '../files/journal.js';
import { readPlan, writePlan } from '../files/plan-file.js';
import { loadTransitionTable, loadWritablePaths } from '../schema/specs.js';

export function rollbackPathFor(planPath: string): string {
  return `${stripJson(planPath)}.rollback.json`;
}

/**
 * `PLAN.rollback.json`, grown as entries are applied. Each applied entry adds
 * its inverse pinned to the eTag its write returned (or a not-restorable record
 * with its before values). The whole file is rewritten atomically (writePlan:
 * temp + fsync + rename, 0600), so it is a valid, sealed plan after every entry.
 *
 * Rewrites are coalesced: while one write runs, further applied entries wait
 * for the next, which includes them all, so a fast run does not rewrite a large
 * file once per entry. `add` resolves once a file containing the entry is on
 * disk, so no entry is reported applied before its rollback is saved.
 * Entries are kept in plan order, so the file rebuilt from the journal on
 * resume is the same file an uninterrupted run writes.
 */
export class RollbackFile {
  private readonly table = loadTransitionTable();
  private readonly applied = new Map<string, string>();
  private readonly order: Map<string, number>;
  private writing: Promise<void> | undefined;
  private dirty = false;
  private waiters: { resolve: () => void; reject: (e: unknown) => void }[] = [];

  constructor(
    readonly path: string,
    private readonly plan: Plan,
    private readonly planPath: string,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.order = new Map(plan.entries.map((e, i) => [e.referralId, i]));
  }

  /**
   * Keeps what an existing rollback file of this plan already holds (e.g. its
   * journal was moved away): a rollback file is never shrunk by a later run.
   * A rollback file of another plan is refused, never overwritten.
   */
  async adoptExisting(): Promise<void> {
    if (!existsSync(this.path)) return;
    const existing = await readPlan(this.path);
    if (existing.kind !== 'rollback' || existing.parentPlanChecksum !== this.plan.checksum) {
      throw new PlanIntegrityError(
        `${this.path} is the rollback file of another plan (or not a rollback file), and applying this plan would overwrite it`,
        'Move it away (keep it: it undoes an earlier apply), then run apply again.',
      );
    }
    for (const e of existing.entries) this.record(e.referralId, e.eTag);
    // Not-restorable records do not depend on an eTag.
    for (const n of existing.notRestorable ?? []) if (!this.applied.has(n.referralId)) this.record(n.referralId, '');
  }

  /** Records an applied entry without writing (used when replaying the journal). */
  record(referralId: string, eTag: string): void {
    this.applied.set(referralId, eTag);
  }

  get size(): number {
    return this.applied.size;
  }

  /** Records an applied entry and resolves once a file containing it is on disk. */
  add(referralId: string, eTag: string): Promise<void> {
    this.record(referralId, eTag);
    return this.flush();
  }

  /** Writes the current state (coalescing with a write already running). */
  flush(): Promise<void> {
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.dirty = true;
    if (this.writing === undefined) this.writing = this.loop();
    return done;
  }

  private async loop(): Promise<void> {
    while (this.dirty) {
      this.dirty = false;
      const batch = this.waiters;
      this.waiters = [];
      try {
        await writePlan(this.path, this.body());
        for (const w of batch) w.resolve();
      } catch (e) {
        for (const w of batch) w.reject(e);
      }
    }
    this.writing = undefined;
  }

  /** The rollback plan for everything applied so far. */
  body(): Omit<Plan, 'checksum'> {
    const entries: PlanEntry[] = [];
    const notRestorable: NotRestorable[] = [];
    const ids = [...this.applied.keys()].sort((a, b) => (this.order.get(a) ?? 0) - (this.order.get(b) ?? 0));
    const byId = new Map(this.plan.entries.map((e) => [e.referralId, e]));
    for (const id of ids) {
      const entry = byId.get(id);
      if (entry === undefined) continue;
      const inverted = invertEntry(entry, this.applied.get(id)!, this.table);
      if (inverted.entry !== undefined) entries.push(inverted.entry);
      if (inverted.notRestorable !== undefined) notRestorable.push(inverted.notRestorable);
    }
    return {
      format: PLAN_FORMAT,
      kind: 'rollback',
      createdAt: this.now().toISOString(),
      baseUrl: this.plan.baseUrl,
      inputs: [{ file: basename(this.planPath), sha256: this.plan.checksum }],
      policy: this.plan.policy,
      readRequests: 0,
      parentPlanChecksum: this.plan.checksum,
      entries,
      notRestorable,
      summary: summarisePlan(entries, { writablePaths: loadWritablePaths() }),
    };
  }
}
