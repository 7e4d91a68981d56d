// The public API for people who script refplan. Re-exports only, grouped by layer.

// Contracts: diagnostics, errors, exit codes, the referral, change-set and plan types, transitions.
export * from './core/diagnostics.js';
export * from './core/errors.js';
export * from './core/exit-codes.js';
export type * from './core/referral.js';
export type * from './core/changeset.js';
export * from './core/plan.js';
export * from './core/transitions.js';
export { loadTransitionTable, loadWritablePaths, loadReferralSchema, enumValues } from './schema/specs.js';
export type { WritablePath, WritablePaths } from './schema/specs.js';
export type { WritablePathRule, WritablePathTable } from './core/writable-paths.js';
export type {
  Referral as ReferralDocument,
  NewReferral as NewReferralDocument,
  ReferralList as ReferralListDocument,
} from './schema/generated/referral.js';
export type { RefplanPlanDocument as PlanDocument } from './schema/generated/plan.js';
export type { ReferralsAPIErrorBodies as ApiErrorBody } from './schema/generated/error.js';

// Pure core: JSON Pointer and patch maths, planning, filters, summaries, putToPatch, tolerant JSON.
export { canonicalJson } from './core/canonical-json.js';
export { maskEmail, maskPhone, maskPii, maskText } from './core/mask-pii.js';
export { escapeControls, escapeControlsDeep, hasControls, jsonForTerminal } from './core/terminal-text.js';
export type { EscapeOptions } from './core/terminal-text.js';
export { getAt, setAt, valueAt, parsePointer, formatPointer, escapeSegment, InvalidPointerError } from './core/json-pointer.js';
export { applyOps, inverseOps, opsForLeaves, jsonEqual, leafEqual, PatchApplyError } from './core/patch.js';
export type { LeafTarget } from './core/patch.js';
export { planChanges } from './core/planner.js';
export type { PlanChangesInput, PlanChangesResult, RejectedChange } from './core/planner.js';
export { matchesWhere, toODataFilter, wherePath, FILTERABLE_FIELDS } from './core/where-filter.js';
export type { ODataFilter, ODataFilterOptions } from './core/where-filter.js';
export { summarisePlan } from './core/plan-summary.js';
export type { SummaryOptions } from './core/plan-summary.js';
export { buildPlanEntry } from './core/plan-entry.js';
export type { PlanEntryInput } from './core/plan-entry.js';
export { invertEntry } from './core/rollback-plan.js';
export type { InvertedEntry } from './core/rollback-plan.js';
export type { PutToPatchOptions, PutToPatchResult, DroppedPath, PutConflict } from './core/put-to-patch.js';
export { parseTolerantJson } from './core/tolerant-json.js';
export type { ParsedValue, TolerantParseResult } from './core/tolerant-json.js';

// Change sets and planning (use cases).
export { validateChangeSets } from './engine/validate.js';
export type { ValidateOptions, ValidateResult, ValidateStats } from './engine/validate.js';
export { createPlan } from './engine/plan.js';
export type { CreatePlanOptions, CreatePlanResult, PlanClient } from './engine/plan.js';
export { exportReferrals, exportFormatFor } from './engine/export.js';
export { MAX_WORKBOOK_ROWS } from './engine/export-workbook.js';
export type { ExportOptions, ExportResult, ExportFormat, ExportClient } from './engine/export.js';
export type { ReadMode } from './engine/resolve-selectors.js';
export { BASELINE_FORMAT, baselinePathFor } from './files/export-baseline.js';
export type { ExportBaseline } from './files/export-baseline.js';
export {
  CONTEXT_COLUMNS,
  READ_ONLY_MARK,
  chooseExportColumns,
  contextValue,
  judgeExportRow,
  parseReadOnlyHeader,
  readOnlyHeader,
  sameContextValue,
  withClears,
} from './core/changeset/export-row-rules.js';
export type { ContextColumn, ExportColumn, ExportRowCells, ExportRowJudgement } from './core/changeset/export-row-rules.js';
export type { RejectRow } from './files/rejects-csv.js';

// Plan files and their views.
export { readPlan, readPlanSync, writePlan, sealPlan, parsePlanText, computePlanChecksum } from './files/plan-file.js';
export type { ReadPlanOptions } from './files/plan-file.js';
export { renderPlanHuman, DEFAULT_LIMIT as DEFAULT_PLAN_LIMIT } from './cli/views/plan-human.js';
export type { HumanPlanOptions } from './cli/views/plan-human.js';
export { renderPlanJson, renderPlanAs, createPlanView, PlanFormatView, PlanHumanView, PlanJsonView, colorEnabled, PLAN_FORMATS } from './cli/views/plan-view.js';
export type { PlanView, PlanViewOptions, ViewStreams, PlanFormat } from './cli/views/plan-view.js';
export { renderPlanTable } from './cli/views/plan-table.js';
export type { TablePlanOptions } from './cli/views/plan-table.js';
export { renderPlanCsv, PLAN_CSV_COLUMNS } from './cli/views/plan-csv.js';
export type { CsvPlanOptions } from './cli/views/plan-csv.js';
export { renderPlanMarkdown } from './cli/views/plan-markdown.js';
export type { MarkdownPlanOptions } from './cli/views/plan-markdown.js';
export { formatMoney, formatAmount, currencyDigits } from './core/money.js';
export type { MoneyFormatOptions } from './core/money.js';
export { checkPlanMessage, PLAN_MESSAGE_MAX } from './core/plan-purpose.js';
export { renderHtmlReport, writeHtmlReport } from './cli/views/plan-html.js';
export type { HtmlReportInput, ReportResult, ReportResultDiff, ReportOutcome } from './cli/views/plan-html.js';

// Apply and rollback: outcomes are data, progress is events.
export { applyPlan } from './engine/apply.js';
export type { ApplyOptions, ApplyClient } from './engine/apply.js';
export { ENTRY_OUTCOMES } from './engine/events.js';
export type { ApplyEvent, ApplyEventListener, ApplySummary, EntryResult, EntryOutcome, FieldDiff } from './engine/events.js';
export { replayJournal, journalPathFor, JOURNAL_FORMAT } from './files/journal.js';
export type { JournalRecord, JournalReplay } from './files/journal.js';

// Migration off the legacy PUT.
export { putToPatch } from './engine/put-to-patch.js';
export { migrate } from './engine/migrate.js';
export type { MigrateOptions, MigrateResult, MigrationReport, MigrationFieldReport, MigrationDroppedPath } from './engine/migrate.js';
export { startProxy } from './engine/proxy.js';
export type { ProxyOptions, ProxyRequestEvent, ProxyMode, RunningProxy } from './engine/proxy.js';
export { readLegacyBodies } from './files/read-legacy-bodies.js';
export type { LegacyBody, LegacyBodiesResult } from './files/read-legacy-bodies.js';

// The API client.
export { createClient } from './api/client.js';
export { resolveClientConfig, CLIENT_FLAGS, DEFAULT_BASE_URL } from './api/config.js';
export type { ClientFlags, ResolvedClientConfig } from './api/config.js';
export {
  ApiError,
  PreconditionFailedError,
  NotFoundError,
  RateLimitedError,
  AuthError,
  NetworkError,
  TimeoutError,
  parseErrorBody,
} from './api/errors.js';
export type { ParsedErrorBody } from './api/errors.js';
export { createStaticTokenProvider, createCommandTokenProvider, createAzureTokenProvider, PARTNER_CENTER_SCOPE } from './api/token.js';
export type { AzureAuthMode } from './api/token.js';
export { normaliseNextLink } from './api/urls.js';
export type {
  TokenProvider,
  ClientOptions,
  ClientEvent,
  ClientStats,
  ReferralsClient,
  ReferralPage,
  ListQuery,
  PatchOptions,
} from './api/types.js';

// The emulator.
export { startEmulator } from './emulator/server.js';
export type { EmulatorOptions, EmulatorHandle } from './emulator/server.js';
export type { EmulatorStats } from './emulator/store.js';

// The CLI, for embedding.
export { runCli } from './cli/main.js';
