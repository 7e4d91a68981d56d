import { plural } from '../core/plural.js';
import type { Change, ChangeSet } from '../core/changeset.js';
import { isBrokenFileProblem } from '../core/changeset/broken-file.js';
import { error, hasErrors, type Diagnostic, type SourceLocation } from '../core/diagnostics.js';
import { UsageError } from '../core/errors.js';
import type { Plan } from '../core/plan.js';
import { checkPlanMessage } from '../core/plan-purpose.js';
import type { ReferralsClient } from '../api/types.js';
import { planChanges } from '../core/planner.js';
import { loadTransitionTable, loadWritablePaths } from '../schema/specs.js';
import { sealPlan, writePlan } from '../files/plan-file.js';
import { checkPrivateTarget } from '../files/private-file.js';
import { rejectsPathFor, writeRejectsCsv, type RejectRow } from '../files/rejects-csv.js';
import { matchExportBaselines } from './baseline-match.js';
import { judgeExportRows } from './judge-export-rows.js';
import { judgePortalRows } from './judge-portal-rows.js';
import { resolveRelaxed } from './converged-where.js';
import { planRebase, rebaseRow } from './rebase-export-rows.js';
import { archiveSettledEarlierRun } from './earlier-run.js';
import { readRefplanWrites } from '../files/refplan-writes.js';
import { dirname, resolve as resolvePath } from 'node:path';
import { resolveSelectors, type ReadMode, type ReferralReader } from './resolve-selectors.js';
import { validateChangeSets, type ValidateOptions } from './validate.js';

/** The part of the API client planning uses: reads only, and the request counter. */
export type PlanClient = ReferralReader & Pick<ReferralsClient, 'stats'>;

export interface CreatePlanOptions {
  /** Change-set files (YAML or CSV). */
  files: string[];
  client: PlanClient;
  /** Recorded in the plan; apply refuses to run a plan against another API. */
  baseUrl: string;
  /** Where to write the plan file (0600). Without it the plan is only returned. */
  output?: string;
  /** Plan the valid changes and list the rest in `rejected` (and `PLAN.rejects.csv`). */
  skipInvalid?: boolean;
  /** Refuse a plan that would change more referrals than this. */
  maxChanges?: number;
  /** The plan's clock (createdAt). */
  now?: () => Date;
  /** CSV reading options, as for `refplan validate`. */
  csv?: ValidateOptions;
  /** Re-read every referral an export's rows select instead of trusting its baseline (rows then rebase on the current values). */
  refresh?: boolean;
  /** Why the plan exists; recorded in the plan (and so covered by its checksum). */
  message?: string;
  /** Progress of the reads, per page or referral read (the engine never prints). */
  onEvent?: (e: PlanReadEvent) => void;
}

/** Reads so far: requests answered, referrals they returned, and the total when a listing said it. */
export interface PlanReadEvent {
  type: 'read';
  requests: number;
  referrals: number;
  total?: number;
}

/** The reader, reporting each answered read to `onEvent`. */
function reportingReader(client: PlanClient, onEvent: (e: PlanReadEvent) => void): ReferralReader {
  let requests = 0;
  let referrals = 0;
  let total: number | undefined;
  const report = (n: number): void => {
    requests += 1;
    referrals += n;
    onEvent({ type: 'read', requests, referrals, ...(total === undefined ? {} : { total }) });
  };
  return {
    async getReferral(...args: Parameters<ReferralReader['getReferral']>) {
      const r = await client.getReferral(...args);
      report(1);
      return r;
    },
    async *listReferrals(...args: Parameters<ReferralReader['listReferrals']>) {
      for await (const page of client.listReferrals(...args)) {
        if (page.count !== undefined && args[0]?.filter === undefined) total = page.count;
        report(page.value.length);
        yield page;
      }
    },
  };
}

export interface CreatePlanResult {
  /** Absent when planning failed closed. */
  plan?: Plan;
  planPath?: string;
  /** With `skipInvalid` and rejected changes: the rejects CSV. */
  rejectsPath?: string;
  /** Every problem and note, in input order; any error without `skipInvalid` means no plan. */
  diagnostics: Diagnostic[];
  /** Changes left out of the plan (`skipInvalid`), each with its input row and why. */
  rejected: RejectRow[];
  /** API requests planning used (0 when validation failed or everything came from an export baseline). */
  readRequests: number;
  /** How the referrals were read. */
  readMode: ReadMode;
  /** Referrals whose requested values were already in place. */
  unchanged: string[];
  /** With `skipInvalid`: the files that could not be read at all (syntax, shape, header), so no plan. */
  brokenFiles?: string[];
  /** Files of an earlier, settled run at the plan's path, moved into its history folder. */
  archived?: string[];
}

function sameSource(a: SourceLocation | undefined, b: SourceLocation | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  if (a.file !== b.file) return false;
  if ('line' in a && 'line' in b) return a.line === b.line;
  if ('row' in a && 'row' in b) return a.row === b.row;
  return false;
}

/** Input order: file as given, then row or line. */
function byPosition(a: RejectRow, b: RejectRow): number {
  const pos = (r: RejectRow) => (r.source === undefined ? 0 : 'line' in r.source ? r.source.line : r.source.row);
  const fa = a.source?.file ?? '';
  const fb = b.source?.file ?? '';
  return fa === fb ? pos(a) - pos(b) : fa < fb ? -1 : 1;
}

function rejectsFromDiagnostics(diagnostics: readonly Diagnostic[]): RejectRow[] {
  return diagnostics
    .filter((d) => d.severity === 'error')
    .map((d) => ({
      source: d.at,
      ...(d.referralId === undefined ? {} : { referralId: d.referralId }),
      code: d.code,
      reason: d.message,
      ...(d.hint === undefined ? {} : { hint: d.hint }),
    }));
}

/**
 * `refplan plan` as a library call: validate → read what the selectors need →
 * plan → guard → write. Fail-closed: any error (without `skipInvalid`) returns
 * no plan and writes no file; nothing is ever written to the API.
 */
export async function createPlan(options: CreatePlanOptions): Promise<CreatePlanResult> {
  // Checked before anything is read, so a bad message costs no requests.
  const purpose = options.message === undefined ? undefined : checkPlanMessage(options.message);
  if (purpose !== undefined && !purpose.ok) throw new UsageError(purpose.problem, 'e.g. --message "Close the Q3 deals lost to competitors"');
  if (options.output !== undefined) {
    // A planted link (or another user's file) at the outputs is refused before anything is read.
    checkPrivateTarget(options.output, 'plan file');
    checkPrivateTarget(rejectsPathFor(options.output), 'rejects file');
  }
  const startRequests = options.client.stats().requests;
  const readRequests = () => options.client.stats().requests - startRequests;
  const skipInvalid = options.skipInvalid === true;
  const failed = (diagnostics: Diagnostic[], rejected: RejectRow[] = [], readMode: ReadMode = 'none'): CreatePlanResult => ({
    diagnostics,
    rejected,
    readRequests: readRequests(),
    readMode,
    unchanged: [],
  });

  // 1. Offline validation: nothing is read from the API when a file is invalid.
  const validation = await validateChangeSets(options.files, options.csv ?? {});
  const diagnostics: Diagnostic[] = [...validation.diagnostics];
  let rejected: RejectRow[] = [];
  const changeSet: ChangeSet | undefined = validation.changeSet;
  if (hasErrors(validation.diagnostics)) {
    // A file that cannot be read is not a row to skip: what it says past the problem is unknown.
    const broken = [...new Set(validation.diagnostics.filter(isBrokenFileProblem).map((d) => d.at?.file ?? ''))];
    if (skipInvalid && broken.length > 0) return { ...failed(diagnostics), brokenFiles: broken };
    if (!skipInvalid || changeSet === undefined) return failed(diagnostics);
    rejected = rejectsFromDiagnostics(validation.diagnostics);
  }
  if (changeSet === undefined) return failed(diagnostics);
  const valid: Change[] = changeSet.changes.filter((c) => !rejected.some((r) => sameSource(r.source, c.source)));

  // 2. Rows of an export are planned against its baseline; the rest are read.
  const baselines = await matchExportBaselines(valid, options.baseUrl, options.csv?.cwd);
  diagnostics.push(...baselines.diagnostics);
  // Rows of refplan's own export: an emptied cell clears, an edited read-only cell is refused.
  const judged = judgeExportRows(valid, baselines.snapshots);
  diagnostics.push(...judged.diagnostics);
  if (hasErrors(judged.diagnostics)) {
    if (!skipInvalid) return failed(diagnostics);
    rejected = [...rejected, ...rejectsFromDiagnostics(judged.diagnostics)];
  }
  // The CSV reader undoes export's formula escaping and the planner compares instants as instants,
  // so a cell that only spells the current value differently makes no op.
  // Rows whose referral refplan wrote since the export (its journals say so) are re-read, as all are on --refresh.
  const cwd = options.csv?.cwd ?? process.cwd();
  const writes =
    judged.snapshots.size === 0
      ? new Map()
      : readRefplanWrites([cwd, ...(options.output === undefined ? [] : [dirname(options.output)]), ...options.files.map((f) => dirname(resolvePath(cwd, f)))]);
  const rebase = planRebase(judged.changes, judged.snapshots, baselines.known, writes, options.refresh === true);
  const reader = options.onEvent === undefined ? options.client : reportingReader(options.client, options.onEvent);
  const read = await resolveSelectors(reader, rebase.changes, { known: rebase.known });
  const changes = rebase.changes.map((change, i) => {
    const snapshot = rebase.rebaseAfterRead.get(i);
    return snapshot === undefined || change.selector.kind !== 'id' ? change : rebaseRow(change, snapshot, read.referrals.get(change.selector.id));
  });
  const resolution = read;
  // A where that matches nothing may be one already applied: judged again without its own fields.
  const relaxed = await resolveRelaxed(reader, changes, resolution);
  const current = new Map([...relaxed.referrals, ...resolution.referrals]);
  // Rows of the portal's file: an edited read-only cell is refused, now that its referral is read.
  const portal = judgePortalRows(changes, current);
  diagnostics.push(...portal.diagnostics);
  if (hasErrors(portal.diagnostics)) {
    if (!skipInvalid) return failed(diagnostics, [], resolution.mode);
    rejected = [...rejected, ...rejectsFromDiagnostics(portal.diagnostics)];
  }

  // 3. The pure planner judges every change against the transition table.
  const planned = planChanges({
    changes: changes.filter((c) => !portal.refused.has(c)),
    current,
    resolved: changes.flatMap((change, i) => (portal.refused.has(change) ? [] : [{ change, referralIds: resolution.matches[i] ?? [] }])),
    relaxed: relaxed.relaxed,
    table: loadTransitionTable(),
    writablePaths: loadWritablePaths(),
    now: options.now?.() ?? new Date(),
    baseUrl: options.baseUrl,
    inputs: changeSet.inputs,
    readRequests: readRequests(),
  });
  diagnostics.push(...planned.diagnostics);
  if (hasErrors(planned.diagnostics)) {
    if (!skipInvalid) return failed(diagnostics, [], resolution.mode);
    rejected = [
      ...rejected,
      ...planned.rejected.map((r) => {
        const d = planned.diagnostics.find((x) => x.severity === 'error' && x.code === r.code && sameSource(x.at, r.source));
        return { ...r, ...(d?.hint === undefined ? {} : { hint: d.hint }) };
      }),
    ];
  }

  rejected.sort(byPosition);

  // 4. Guard against a selector that matched far more than intended.
  const touched = planned.plan.entries.length;
  if (options.maxChanges !== undefined && touched > options.maxChanges) {
    const matched = new Set(resolution.matches.flat()).size;
    diagnostics.push(
      error(
        'max-changes-exceeded',
        `the plan would change ${plural(touched, 'referral')} (the selectors matched ${matched}), more than --max-changes ${options.maxChanges}`,
        { hint: `narrow the selectors, or raise --max-changes to at least ${touched} if this is intended` },
      ),
    );
    return failed(diagnostics, rejected, resolution.mode);
  }

  // 5. Write the plan (0600, atomic, checksummed) and, with --skip-invalid, the rejects.
  const body = { ...planned.plan, readRequests: readRequests(), ...(purpose?.ok === true ? { message: purpose.message } : {}) };
  let plan: Plan;
  let planPath: string | undefined;
  let rejectsPath: string | undefined;
  let archived: string[] = [];
  if (options.output !== undefined) {
    archived = await archiveSettledEarlierRun(options.output, options.now?.() ?? new Date());
    plan = await writePlan(options.output, body);
    planPath = options.output;
    if (skipInvalid && rejected.length > 0) {
      rejectsPath = rejectsPathFor(options.output);
      await writeRejectsCsv(rejectsPath, rejected);
    }
  } else {
    plan = sealPlan(body);
  }
  return {
    plan,
    ...(planPath === undefined ? {} : { planPath }),
    ...(rejectsPath === undefined ? {} : { rejectsPath }),
    diagnostics,
    rejected,
    readRequests: readRequests(),
    readMode: resolution.mode,
    unchanged: planned.unchanged,
    ...(archived.length === 0 ? {} : { archived }),
  };
}
