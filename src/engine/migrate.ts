import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ReferralsClient } from '../api/types.js';
import { error, hasErrors, info, warning, type Diagnostic, type SourceLocation } from '../core/diagnostics.js';
import { getAt, valueAt } from '../core/json-pointer.js';
import { applyOps, jsonEqual, sameOrBothEmpty } from '../core/patch.js';
import { explainViolation } from '../core/plan-messages.js';
import { buildPlanEntry, stateOf } from '../core/plan-entry.js';
import { PLAN_FORMAT, type Plan, type PlanEntry } from '../core/plan.js';
import { summarisePlan } from '../core/plan-summary.js';
import { putToPatch } from '../core/put-to-patch.js';
import type { JsonValue, PatchOp, Referral } from '../core/referral.js';
import { parseTolerantJson } from '../core/tolerant-json.js';
import { judgeTransition, type TransitionTable } from '../core/transitions.js';
import { isJsonObject, readLegacyBodies, type JsonObject, type LegacyBody } from '../files/read-legacy-bodies.js';
import type { WritablePaths } from '../schema/specs.js';

/**
 * `refplan migrate`: legacy full-document PUT bodies → a normal plan file of
 * minimal `replace`/`add` patches (kind `migration`), so `show`, `apply` and
 * `rollback` work on it unchanged. Reads each referral once; never writes.
 */

export interface MigrateOptions {
  /** Files or folders of captured PUT bodies (JSON, JSON arrays, NDJSON). */
  files: readonly string[];
  /** Only reads are made (`getReferral`; a 404 is reported as an unknown referral). */
  client: Pick<ReferralsClient, 'getReferral'>;
  /**
   * Folder of `<referral id>.json` documents as the legacy client last read them.
   * With it, only fields the client changed since then are patched (three-way merge).
   */
  baselineDir?: string;
  /** specs/writable-paths.json (`loadWritablePaths()`). */
  writablePaths: WritablePaths;
  /** specs/transitions.json (`loadTransitionTable()`). */
  table: TransitionTable;
  /** The plan's `createdAt`. */
  now: Date;
  /** The API the plan is for (recorded in the plan; apply checks it). */
  baseUrl: string;
  /**
   * Leave referrals with merge conflicts out of the plan (reported as warnings)
   * instead of failing. Without it a conflict is an error and no plan is made.
   */
  skipConflicts?: boolean;
}

export interface MigrationFieldReport {
  /** Vocabulary name from specs/writable-paths.json, e.g. `dealValue`. */
  field: string;
  path: string;
  /** Bodies whose patch changes this field. */
  touched: number;
  /** Bodies that carry the field with the value the referral already has (or, with a baseline, that the client did not change). */
  noOp: number;
  /** Bodies that leave the field out: it is NOT cleared (the API has no remove). */
  leftOut: number;
  /** With a baseline: bodies that kept the server's newer value because the client had not changed the field. */
  keptServerValue: number;
}

export interface MigrationReport {
  bodies: number;
  referrals: number;
  /** Plan entries (referrals with at least one op). */
  entries: number;
  /** Referrals whose bodies change nothing. */
  unchanged: number;
  /** Referrals left out for merge conflicts (with `skipConflicts`) or refused by a rule. */
  rejected: number;
  conflicts: { referralId: string; paths: string[]; source: SourceLocation }[];
  baseline: boolean;
  fields: MigrationFieldReport[];
  /**
   * Paths bodies carried that a client may not write (read-only or not listed in
   * specs/writable-paths.json): dropped, never sent. `changed` counts the bodies
   * whose value differed from the server's, i.e. where dropping it mattered.
   */
  droppedReadOnly: MigrationDroppedPath[];
}

export interface MigrationDroppedPath {
  path: string;
  /** Why a client cannot write it (from specs/writable-paths.json). */
  reason: string;
  /** Bodies that carried it. */
  bodies: number;
  /** Bodies whose value differed from the server's. */
  changed: number;
}

export interface MigrateResult {
  /** The plan to write with `writePlan`; absent when an error diagnostic stopped the migration. */
  plan?: Omit<Plan, 'checksum'>;
  report: MigrationReport;
  diagnostics: Diagnostic[];
}

type DroppedCount = Omit<MigrationDroppedPath, 'path'>;

interface Work {
  id: string;
  body: JsonObject;
  sources: SourceLocation[];
  source: LegacyBody['source'];
}

const isUnder = (path: string, ancestor: string) => path === ancestor || path.startsWith(`${ancestor}/`);

export async function migrate(options: MigrateOptions): Promise<MigrateResult> {
  const read = await readLegacyBodies(options.files);
  const diagnostics: Diagnostic[] = [...read.diagnostics];
  const fieldRules = options.writablePaths.writable.filter((r) => r.kind !== 'member');
  const report: MigrationReport = {
    bodies: read.bodies.length,
    referrals: 0,
    entries: 0,
    unchanged: 0,
    rejected: 0,
    conflicts: [],
    baseline: options.baselineDir !== undefined,
    fields: fieldRules.map((r) => ({ field: r.field, path: r.path, touched: 0, noOp: 0, leftOut: 0, keptServerValue: 0 })),
    droppedReadOnly: [],
  };
  if (hasErrors(diagnostics)) return { report, diagnostics };

  const works = groupByReferral(read.bodies, diagnostics);
  report.referrals = works.length;
  if (hasErrors(diagnostics)) return { report, diagnostics };

  const baselines = options.baselineDir === undefined ? undefined : await readBaselines(options.baselineDir, works, diagnostics);
  if (hasErrors(diagnostics)) return { report, diagnostics };

  const current = new Map<string, Referral>();
  await Promise.all(
    works.map(async (w) => {
      try {
        current.set(w.id, await options.client.getReferral(w.id));
      } catch (e) {
        if ((e as { status?: unknown }).status !== 404) throw e;
        diagnostics.push(error('referral-not-found', `referral ${w.id} does not exist`, { at: w.source, referralId: w.id, hint: 'check the id in the body' }));
      }
    }),
  );

  const entries: PlanEntry[] = [];
  const dropped = new Map<string, DroppedCount>();
  for (const work of works) {
    const referral = current.get(work.id);
    if (referral === undefined) continue;
    let entry: PlanEntry | 'unchanged' | undefined;
    try {
      entry = migrateOne(options, work, referral, baselines?.get(work.id), report, dropped, diagnostics);
    } catch (e) {
      // A body whose shape cannot be patched onto the referral (e.g. `details` is not an object there).
      const message = `referral ${work.id}: ${e instanceof Error ? e.message : String(e)}`;
      diagnostics.push(error('unmigratable', message, { at: work.source, referralId: work.id }));
    }
    if (entry === 'unchanged') report.unchanged += 1;
    else if (entry === undefined) report.rejected += 1;
    else entries.push(entry);
  }
  report.entries = entries.length;
  report.droppedReadOnly = [...dropped.entries()].map(([path, c]) => ({ path, ...c })).sort((a, b) => a.path.localeCompare(b.path));
  if (hasErrors(diagnostics)) return { report, diagnostics };

  const plan: Omit<Plan, 'checksum'> = {
    format: PLAN_FORMAT,
    kind: 'migration',
    createdAt: options.now.toISOString(),
    baseUrl: options.baseUrl,
    inputs: read.inputs,
    policy: { reasonRequiredFor: [...options.table.policy.reasonRequiredFor] },
    readRequests: works.length,
    entries,
    summary: summarisePlan(entries, { writablePaths: options.writablePaths, unchanged: report.unchanged }),
  };
  return { plan, report, diagnostics };
}

/** One entry per referral: identical repeated bodies merge; different ones for one referral are an error. */
function groupByReferral(bodies: readonly LegacyBody[], diagnostics: Diagnostic[]): Work[] {
  const byId = new Map<string, Work>();
  for (const { body, source } of bodies) {
    const id = body['id'];
    if (typeof id !== 'string' || id.trim() === '') {
      diagnostics.push(error('missing-id', 'the body has no "id": the referral it updates is unknown', { at: source, hint: 'add the referral id the PUT was sent to as "id"' }));
      continue;
    }
    const earlier = byId.get(id);
    if (earlier === undefined) {
      byId.set(id, { id, body, sources: [source], source });
    } else if (jsonEqual(earlier.body, body)) {
      earlier.sources.push(source);
      diagnostics.push(warning('duplicate-body', `the same body for referral ${id} appears again; it is planned once`, { at: source, referralId: id }));
    } else {
      diagnostics.push(
        error('conflicting-bodies', `another body for referral ${id} (at ${earlier.source.file}:${earlier.source.line}) differs from this one`, {
          at: source,
          referralId: id,
          hint: 'keep only the body whose result you want (usually the last one the client sent)',
        }),
      );
    }
  }
  return [...byId.values()];
}

async function readBaselines(dir: string, works: readonly Work[], diagnostics: Diagnostic[]): Promise<Map<string, JsonObject>> {
  const out = new Map<string, JsonObject>();
  for (const w of works) {
    const file = join(dir, `${w.id}.json`);
    let text: string;
    try {
      text = (await readFile(file, 'utf8')).toString();
    } catch {
      diagnostics.push(
        error('baseline-missing', `no baseline for referral ${w.id}: ${file} cannot be read`, {
          at: w.source,
          referralId: w.id,
          hint: 'put the document the legacy client last read into <baseline dir>/<id>.json, or migrate this body without --baseline',
        }),
      );
      continue;
    }
    const parsed = parseTolerantJson(text, file);
    diagnostics.push(...parsed.diagnostics);
    const value = parsed.values[0]?.value;
    if (parsed.values.length === 1 && isJsonObject(value)) out.set(w.id, value);
    else if (!hasErrors(parsed.diagnostics)) diagnostics.push(error('baseline-not-object', 'a baseline file holds one referral object', { at: { file, line: 1, column: 1 } }));
  }
  return out;
}

function migrateOne(
  options: MigrateOptions,
  work: Work,
  referral: Referral,
  baseline: JsonObject | undefined,
  report: MigrationReport,
  dropped: Map<string, DroppedCount>,
  diagnostics: Diagnostic[],
): PlanEntry | 'unchanged' | undefined {
  const { id, body, source } = work;
  const doc = referral as unknown as JsonValue;
  const result = putToPatch(referral, body as unknown as Referral, {
    writablePaths: options.writablePaths,
    ...(baseline === undefined ? {} : { baseline: baseline as unknown as Referral }),
  });
  const ops: PatchOp[] = result.ops;
  for (const d of result.dropped) {
    const count = dropped.get(d.path) ?? { bodies: 0, changed: 0, reason: d.reason };
    count.bodies += 1;
    if (d.changed) count.changed += 1;
    dropped.set(d.path, count);
  }
  // putToPatch's warnings name the fields the body leaves out; the report counts those per field.
  for (const w of result.warnings) diagnostics.push(info('left-out', `referral ${id}: ${w}`, { at: source, referralId: id }));
  const entryWarnings: string[] = [];
  countFields(report, body, doc, baseline, ops);

  if (result.conflicts.length > 0) {
    report.conflicts.push({ referralId: id, paths: result.conflicts.map((c) => c.path), source });
    for (const c of result.conflicts) {
      const message = `referral ${id}: ${c.path} was changed by this client (baseline ${show(c.baseline)} → ${show(c.desired)}) and on the server (now ${show(c.current)})`;
      const hint = 'decide which value wins and edit the body (or the baseline), or pass --skip-conflicts to migrate the other referrals';
      diagnostics.push(
        options.skipConflicts === true
          ? warning('merge-conflict', `skipped: ${message}`, { at: source, referralId: id, hint })
          : error('merge-conflict', message, { at: source, referralId: id, hint }),
      );
    }
    return undefined;
  }
  if (ops.length === 0) return 'unchanged';

  const after = applyOps(doc, ops);
  const beforeState = stateOf(doc);
  const afterState = stateOf(after);
  const violations = judgeTransition(options.table, beforeState, afterState, { enforcePolicy: true, isEdit: true });
  if (violations.length > 0) {
    for (const v of violations) {
      const { message, hint } = explainViolation(options.table, v, work.sources, id, beforeState);
      diagnostics.push(error(v.code, message, { at: source, referralId: id, hint }));
    }
    return undefined;
  }

  // The pin: the eTag the body was built against. With a baseline the merge was
  // computed against the current document, so the current eTag is the honest pin.
  const bodyETag = typeof body['eTag'] === 'string' && body['eTag'] !== '' ? body['eTag'] : undefined;
  const currentETag = typeof referral.eTag === 'string' ? referral.eTag : undefined;
  let eTag = baseline === undefined ? bodyETag ?? currentETag : currentETag;
  if (eTag === undefined) {
    diagnostics.push(error('missing-etag', `referral ${id} has no eTag to pin`, { at: source, referralId: id }));
    return undefined;
  }
  if (baseline === undefined && bodyETag === undefined) {
    const message = `the body has no eTag; the plan pins the current one (${eTag}), so edits made since the body was built are not detected`;
    diagnostics.push(warning('no-etag', `referral ${id}: ${message}`, { at: source, referralId: id, hint: 'keep the eTag the legacy client read in the body' }));
    entryWarnings.push(message);
  } else if (baseline === undefined && currentETag !== undefined && bodyETag !== currentETag) {
    const message = `the referral changed after this body was built (eTag ${bodyETag ?? '?'} is now ${currentETag}); apply will report it as a conflict`;
    diagnostics.push(warning('stale-pin', `referral ${id}: ${message}`, { at: source, referralId: id, hint: 'use --baseline with the document the client read to merge instead' }));
    entryWarnings.push(message);
  }
  eTag = eTag as string;

  return buildPlanEntry({ referral, doc, ops, table: options.table, sources: work.sources, eTag, warnings: entryWarnings });
}

/** Per writable field: touched, no-op, left out (never cleared), kept server value. */
function countFields(report: MigrationReport, body: JsonObject, doc: JsonValue, baseline: JsonObject | undefined, ops: readonly PatchOp[]): void {
  for (const f of report.fields) {
    const inBody = getAt(body, f.path);
    if (!inBody.found) {
      f.leftOut += 1;
      continue;
    }
    if (ops.some((op) => isUnder(op.path, f.path) || isUnder(f.path, op.path))) {
      f.touched += 1;
      continue;
    }
    f.noOp += 1;
    if (baseline !== undefined && !sameOrBothEmpty(inBody.value, valueAt(doc, f.path))) f.keptServerValue += 1;
  }
}

function show(v: JsonValue | undefined): string {
  const text = v === undefined ? '(absent)' : JSON.stringify(v);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

