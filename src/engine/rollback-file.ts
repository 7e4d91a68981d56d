import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { PlanIntegrityError } from '../core/errors.js';
import { PLAN_FORMAT, type NotRestorable, type Plan, type PlanEntry } from '../core/plan.js';
import { addToSummary, createSummary } from '../core/plan-summary.js';
import { invertEntry } from '../core/rollback-plan.js';
import type { FileLayer } from '../files/file-layer.js';
import { rollbackPathFor } from '../files/run-files.js';
import { readPlan, sealPlanStream, writeSealedPlanStream } from '../files/plan-file.js';
import { loadTransitionTable, loadWritablePaths } from '../schema/specs.js';

export { rollbackPathFor };

/** What the journal says about one applied entry: all its rollback is made of. */
interface AppliedEntry {
  eTag: string;
  changedByOthers?: readonly string[];
}

/**
 * `PLAN.rollback.json`: the plan that undoes what an apply applied. Each applied entry
 * contributes its inverse pinned to the eTag its write returned (or read back), or a
 * not-restorable record with its before values.
 *
 * Derived from the journal, not kept in step with it: an applied outcome is durable in the
 * journal before the entry counts as done, and the journal alone (with the plan) says what
 * the rollback holds. So during a run the cost of an entry is one journal line, whatever the
 * size of the plan, and the file is sealed (a valid, checksummed plan, written atomically,
 * 0600) once, when the run ends; a run that was killed or ran out of disk space seals it on
 * its next run, and `refplan rollback` refuses a file the journal shows is behind.
 *
 * The file changes only when entries are added to it: it keeps its first `createdAt`, entries
 * are in plan order, and a seal that would write the same checksum writes nothing. So a
 * re-run of a finished apply leaves it byte for byte as it was, and a rollback run of it (its
 * journal names this checksum) can always resume.
 */
export class RollbackFile {
  private readonly table = loadTransitionTable();
  private readonly applied = new Map<string, AppliedEntry>();
  /** Entries an existing file holds that the journal does not (e.g. the journal was moved away). */
  private readonly adopted = new Map<string, { entry?: PlanEntry; notRestorable?: NotRestorable }>();
  private existing: { checksum: string; createdAt: string; notRestorable: number } | undefined;

  constructor(
    readonly path: string,
    private readonly plan: Plan,
    private readonly planPath: string,
    private readonly now: () => Date = () => new Date(),
    private readonly files?: FileLayer,
  ) {}

  /**
   * Keeps what an existing rollback file of this plan already holds: a rollback file is never
   * shrunk by a later run. Entries `covered` (by the journal) are not kept twice in memory.
   * A rollback file of another plan is refused, never overwritten.
   */
  async adoptExisting(covered: (referralId: string) => boolean = () => false): Promise<void> {
    if (!existsSync(this.path)) return;
    const existing = await readPlan(this.path);
    if (existing.kind !== 'rollback' || existing.parentPlanChecksum !== this.plan.checksum) {
      throw new PlanIntegrityError(
        `${this.path} is the rollback file of another plan (or not a rollback file), and applying this plan would overwrite it`,
        'Move it away (keep it: it undoes an earlier apply), then run apply again.',
      );
    }
    this.existing = { checksum: existing.checksum, createdAt: existing.createdAt, notRestorable: existing.notRestorable?.length ?? 0 };
    for (const e of existing.entries) if (!covered(e.referralId)) this.adopted.set(e.referralId, { entry: e });
    for (const n of existing.notRestorable ?? []) {
      if (covered(n.referralId)) continue;
      this.adopted.set(n.referralId, { ...this.adopted.get(n.referralId), notRestorable: n });
    }
  }

  /** Records an applied entry (from the journal); the file is written by `seal`. */
  record(referralId: string, eTag: string, changedByOthers?: readonly string[]): void {
    this.applied.set(referralId, changedByOthers === undefined || changedByOthers.length === 0 ? { eTag } : { eTag, changedByOthers });
  }

  /** Applied entries it holds (from the journal and from an existing file). */
  get size(): number {
    let n = this.applied.size;
    for (const id of this.adopted.keys()) if (!this.applied.has(id)) n += 1;
    return n;
  }

  /**
   * Writes the file when its content would change (or it does not exist yet); returns whether
   * it wrote. A full disk is a DiskFullError and leaves the file on disk as it was.
   *
   * The rollback entries are derived from the plan and the journal again on each pass (summary,
   * checksum, writing) and let go at once: sealing the rollback of a 50,000-entry apply never
   * holds a second 50,000 entries, so the apply's peak memory stays the plan's.
   */
  async seal(): Promise<boolean> {
    const sealed = sealPlanStream(this.body(this.existing?.createdAt ?? this.now().toISOString()), () => this.entries());
    const plan = sealed.plan;
    if (plan.checksum === this.existing?.checksum) return false;
    await writeSealedPlanStream(this.path, sealed, this.files === undefined ? {} : { files: this.files });
    this.existing = { checksum: plan.checksum, createdAt: plan.createdAt, notRestorable: plan.notRestorable?.length ?? 0 };
    return true;
  }

  /** Not-restorable records in the file as last read or sealed. */
  notRestorableCount(): number {
    return this.existing?.notRestorable ?? 0;
  }

  /**
   * The rollback plan for everything applied so far, without its entries (`entries: []`; they
   * come from `entries()`, in plan order), with the summary and the not-restorable records.
   */
  body(createdAt: string): Omit<Plan, 'checksum'> {
    const writablePaths = loadWritablePaths();
    const summary = createSummary();
    const notRestorable: NotRestorable[] = [];
    for (const { entry, notRestorable: note } of this.inverted()) {
      if (entry !== undefined) addToSummary(summary, entry, writablePaths);
      if (note !== undefined) notRestorable.push(note);
    }
    return {
      format: PLAN_FORMAT,
      kind: 'rollback',
      createdAt,
      baseUrl: this.plan.baseUrl,
      inputs: [{ file: basename(this.planPath), sha256: this.plan.checksum }],
      policy: this.plan.policy,
      readRequests: 0,
      parentPlanChecksum: this.plan.checksum,
      entries: [],
      notRestorable,
      summary,
    };
  }

  /** The rollback entries, in plan order, made one at a time. */
  *entries(): Generator<PlanEntry> {
    for (const { entry } of this.inverted()) if (entry !== undefined) yield entry;
  }

  /** Per plan entry with a rollback: what undoes it (from the journal) or what an existing file held. */
  private *inverted(): Generator<{ entry?: PlanEntry; notRestorable?: NotRestorable }> {
    for (const entry of this.plan.entries) {
      const id = entry.referralId;
      const applied = this.applied.get(id);
      if (applied !== undefined) {
        yield invertEntry(entry, applied.eTag, this.table, applied.changedByOthers === undefined ? {} : { changedByOthers: applied.changedByOthers });
        continue;
      }
      const adopted = this.adopted.get(id);
      if (adopted !== undefined) yield adopted;
    }
  }
}
