import { createHash, type Hash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { canonicalJson } from '../core/canonical-json.js';
import { FileError, InternalError, PlanIntegrityError } from '../core/errors.js';
import { ExitCode } from '../core/exit-codes.js';
import { PLAN_FORMAT, type Plan, type PlanEntry } from '../core/plan.js';
import { parseTolerantJson } from '../core/tolerant-json.js';
import { getAjv } from '../schema/ajv.js';
import { readSpec } from '../schema/specs.js';
import { isDiskFull, type FileLayer } from './file-layer.js';
import { checkPrivateTarget, writeFailure, writePrivateFileAtomic } from './private-file.js';
import { decodeText, readTextFileSync } from './read-text-file.js';
import { rememberVerifiedBytes } from './verified-plan.js';

/**
 * The plan file on disk: pretty-printed JSON (people read and diff it), mode
 * 0600 (it holds customer data), replaced atomically, and sealed with a SHA-256
 * of its canonical JSON so that apply and show refuse a plan that was edited or
 * truncated after it was written. Rollback and migration files are plans too.
 */

export { canonicalJson } from '../core/canonical-json.js';

const SCHEMA = 'plan.schema.json';
const MAX_SCHEMA_PROBLEMS = 5;

/** SHA-256 (hex) of the canonical JSON of the plan without its `checksum` field. */
export function computePlanChecksum(body: Omit<Plan, 'checksum'> | Plan): string {
  const { checksum: _ignored, ...rest } = body as Plan;
  const hash = createHash('sha256');
  hashCanonical(hash, rest, 0);
  return hash.digest('hex');
}

/**
 * computePlanChecksum of a plan whose entries come from an iterable: `members` holds every other
 * member (its own `entries` is ignored); each entry goes to `onEntry` (with its index), is
 * hashed, and is let go.
 */
function checksumWithEntries(members: Record<string, unknown>, entries: Iterable<PlanEntry>, onEntry: (entry: PlanEntry, index: number) => void): string {
  const hash = createHash('sha256');
  hash.update('{');
  let first = true;
  const keys = [...new Set([...Object.keys(members), 'entries'])].filter((k) => k !== 'checksum').sort(compareCodeUnits);
  for (const key of keys) {
    if (key !== 'entries' && members[key] === undefined) continue;
    hash.update(`${first ? '' : ','}${JSON.stringify(key)}:`, 'utf8');
    first = false;
    if (key !== 'entries') {
      hashCanonical(hash, members[key], 1);
      continue;
    }
    hash.update('[');
    let i = 0;
    for (const entry of entries) {
      onEntry(entry, i);
      if (i > 0) hash.update(',');
      hash.update(canonicalJson(entry), 'utf8');
      i += 1;
    }
    hash.update(']');
  }
  hash.update('}');
  return hash.digest('hex');
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Feeds the canonical JSON of `value` to `hash` piece by piece: the plan object and its
 * arrays are walked here, every entry is serialised on its own. The bytes are exactly
 * canonicalJson(value)'s, but a 50,000-entry plan never exists as one canonical string, so
 * checking or sealing it costs memory per entry, not per plan.
 */
function hashCanonical(hash: Hash, value: unknown, depth: number): void {
  if (depth >= 2 || typeof value !== 'object' || value === null || typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    hash.update(canonicalJson(value), 'utf8');
    return;
  }
  if (Array.isArray(value)) {
    hash.update('[');
    value.forEach((item, i) => {
      if (i > 0) hash.update(',');
      hashCanonical(hash, item, depth + 1);
    });
    hash.update(']');
    return;
  }
  const record = value as Record<string, unknown>;
  hash.update('{');
  let first = true;
  for (const key of Object.keys(record).sort(compareCodeUnits)) {
    if (record[key] === undefined) continue;
    hash.update(`${first ? '' : ','}${JSON.stringify(key)}:`, 'utf8');
    first = false;
    hashCanonical(hash, record[key], depth + 1);
  }
  hash.update('}');
}

/** Seals and writes a plan; returns the plan as written (with its checksum). */
export async function writePlan(path: string, body: Omit<Plan, 'checksum'>, options: { files?: FileLayer } = {}): Promise<Plan> {
  const plan = sealPlan(body);
  await writeSealedPlan(path, plan, options);
  return plan;
}

/** Writes a plan sealed already (sealPlan); a full disk is a DiskFullError (exit 6), the old file left as it was. */
export async function writeSealedPlan(path: string, plan: Plan, options: { files?: FileLayer } = {}): Promise<void> {
  try {
    checkPrivateTarget(path, 'plan file'); // names the file as a plan file when refusing it
    await writePrivateFileAtomic(path, prettyPlanChunks(plan), options.files === undefined ? {} : { files: options.files });
  } catch (e) {
    throw isDiskFull(e) ? writeFailure(path, 'plan file', e) : writeError(path, e);
  }
}

/**
 * `JSON.stringify(plan, null, 2) + "\n"`, the form people read and diff, produced an entry at a
 * time so that writing a large plan never holds the whole text (and its bytes) at once.
 * `entries`, when given, stands for the plan's own (see sealPlanStream).
 */
export function* prettyPlanChunks(plan: Plan, entries?: Iterable<PlanEntry>): Generator<string> {
  const record = plan as unknown as Record<string, unknown>;
  const keys = Object.keys(record).filter((k) => record[k] !== undefined);
  yield '{\n';
  for (const [i, key] of keys.entries()) {
    const value = key === 'entries' && entries !== undefined ? entries : record[key];
    if (Array.isArray(value) || value === entries) yield* prettyArrayChunks(key, value as Iterable<unknown>);
    else yield `  ${JSON.stringify(key)}: ${JSON.stringify(value, null, 2).replace(/\n/g, '\n  ')}`;
    yield i < keys.length - 1 ? ',\n' : '\n';
  }
  yield '}\n';
}

/** A top-level array member, an item at a time; an item is written once the next one (or the end) says whether a comma follows. */
function* prettyArrayChunks(key: string, items: Iterable<unknown>): Generator<string> {
  const pretty = (item: unknown): string => `    ${(JSON.stringify(item, null, 2) ?? 'null').replace(/\n/g, '\n    ')}`;
  let previous: string | undefined;
  for (const item of items) {
    if (previous === undefined) yield `  ${JSON.stringify(key)}: [\n`;
    else yield `${previous},\n`;
    previous = pretty(item);
  }
  yield previous === undefined ? `  ${JSON.stringify(key)}: []` : `${previous}\n  ]`;
}

/** The plan with its checksum, checked against the schema: a plan refplan cannot read back is a bug. */
export function sealPlan(body: Omit<Plan, 'checksum'>): Plan {
  const { checksum: _stale, ...rest } = body as Plan;
  const plan = { ...rest, checksum: computePlanChecksum(rest) } as Plan;
  const problems = schemaProblems(plan);
  if (problems.length > 0) throw builtInvalid(problems);
  return plan;
}

/**
 * A sealed plan whose entries are produced on demand (sealPlanStream): `plan` is every member
 * but the entries (its `entries` is empty), its checksum covers the entries `entries()` yields.
 */
export interface SealedPlanStream {
  plan: Plan;
  entries: () => Iterable<PlanEntry>;
}

/**
 * sealPlan for a plan too large to hold twice (the rollback file of a 50,000-entry apply): the
 * entries are checked against the schema and hashed one at a time as `entries()` yields them,
 * then let go. `entries()` is called again to write the file (writeSealedPlanStream) and must
 * yield the same entries each time; `body.entries` only holds the member's place (pass []).
 * The checksum and the file are exactly those sealPlan and writeSealedPlan make of the whole plan.
 */
export function sealPlanStream(body: Omit<Plan, 'checksum'>, entries: () => Iterable<PlanEntry>): SealedPlanStream {
  const { checksum: _stale, ...rest } = body as Plan;
  const validEntry = planEntryValidator();
  const problems: string[] = [];
  const checksum = checksumWithEntries(rest as unknown as Record<string, unknown>, entries(), (entry, i) => {
    if (problems.length >= MAX_SCHEMA_PROBLEMS || validEntry(entry)) return;
    for (const e of validEntry.errors ?? []) problems.push(describeSchemaError({ ...e, instancePath: `/entries/${i}${e.instancePath}` }));
  });
  const plan = { ...rest, entries: [], checksum } as Plan;
  problems.push(...schemaProblems(plan));
  if (problems.length > 0) throw builtInvalid(problems.slice(0, MAX_SCHEMA_PROBLEMS));
  return { plan, entries };
}

/** Writes a plan sealed by sealPlanStream, as writeSealedPlan writes one sealed whole. */
export async function writeSealedPlanStream(path: string, sealed: SealedPlanStream, options: { files?: FileLayer } = {}): Promise<void> {
  try {
    checkPrivateTarget(path, 'plan file');
    await writePrivateFileAtomic(path, prettyPlanChunks(sealed.plan, sealed.entries()), options.files === undefined ? {} : { files: options.files });
  } catch (e) {
    throw isDiskFull(e) ? writeFailure(path, 'plan file', e) : writeError(path, e);
  }
}

function builtInvalid(problems: string[]): InternalError {
  return new InternalError(`refplan built a plan that does not match ${SCHEMA}: ${problems.join('; ')}`);
}

export interface ReadPlanOptions {
  /** How messages name the file (e.g. the path as the user typed it); default `path`. */
  name?: string;
  /**
   * SHA-256 of file bytes refplan already checked in full (an apply's journal records the
   * plan's, see readPlanToApply): the same bytes again need no second schema and checksum pass.
   */
  verifiedSha256?: string;
}

/** Reads and checks a plan: FileError when it cannot be read, PlanIntegrityError when it is not exactly as refplan wrote it. */
export async function readPlan(path: string, options: ReadPlanOptions = {}): Promise<Plan> {
  const name = options.name ?? path;
  let file: { text: string; sha256: string };
  try {
    file = readPlanFile(path);
  } catch (e) {
    throw readError(name, e);
  }
  const plan = options.verifiedSha256 === file.sha256 ? (JSON.parse(file.text) as Plan) : parsePlanText(file.text, name);
  rememberVerifiedBytes(plan, file.sha256);
  return plan;
}

/**
 * A plan file's text and the SHA-256 of its bytes, read synchronously in a function of its own:
 * the Buffer is unreachable before the text is parsed, so it dies young. Read asynchronously,
 * it lived through the parse, was promoted, and stayed on the heap (56 MB at 50,000 entries)
 * until the next full collection, which in an apply may come only at its end.
 */
function readPlanFile(path: string): { text: string; sha256: string } {
  const bytes = readFileSync(path);
  return { text: decodeText(bytes).text, sha256: createHash('sha256').update(bytes).digest('hex') };
}

export function readPlanSync(path: string, options: ReadPlanOptions = {}): Plan {
  const name = options.name ?? path;
  let text: string;
  try {
    ({ text } = readTextFileSync(path));
  } catch (e) {
    throw readError(name, e);
  }
  return parsePlanText(text, name);
}

/** Checks a plan file's text: JSON, format version, schema, checksum, in that order. `file` names it in messages. */
export function parsePlanText(rawText: string, file: string): Plan {
  const text = rawText.startsWith('\uFEFF') ? rawText.slice(1) : rawText;
  const kindHint = 'Plan files must stay exactly as refplan wrote them; re-run `refplan plan` to make a fresh one.';
  if (text.trim() === '') throw new PlanIntegrityError(`${file} is empty, so it is not a plan (a truncated or unfinished file?)`, kindHint);

  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    // JSON.parse's messages do not always say where; the tolerant reader's first complaint does
    // (a trailing comma or comment it would accept elsewhere is still an edit to a plan).
    const diagnostics = parseTolerantJson(text, file).diagnostics;
    const problem = diagnostics.find((d) => d.severity === 'error') ?? diagnostics[0];
    const at = problem?.at;
    if (problem === undefined || at === undefined || !('line' in at)) throw new PlanIntegrityError(`${file} is not valid JSON`, kindHint);
    const where = `line ${at.line}, column ${at.column}`;
    const what =
      problem.code === 'json-truncated'
        ? `it ends in the middle of the document at ${where}; the file looks truncated`
        : `${problem.message} at ${where}${problem.text === undefined ? '' : ` (found ${JSON.stringify(problem.text)})`}`;
    throw new PlanIntegrityError(`${file} is not valid JSON: ${what}`, kindHint);
  }

  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    const found = doc === null ? 'null' : Array.isArray(doc) ? 'an array' : `a ${typeof doc}`;
    throw new PlanIntegrityError(`${file} is not a refplan plan: expected a JSON object with "format": "${PLAN_FORMAT}", found ${found}`, kindHint);
  }
  const format = (doc as Record<string, unknown>)['format'];
  if (format !== PLAN_FORMAT) {
    if (format === undefined) {
      throw new PlanIntegrityError(
        `${file} has no "format" field, so it is not a refplan plan file (this refplan reads format "${PLAN_FORMAT}")`,
        'Pass a file written by `refplan plan` (or a rollback file written by `refplan apply`).',
      );
    }
    const newer = typeof format === 'string' && /^refplan\.plan\/(\d+)$/.exec(format);
    throw new PlanIntegrityError(
      `${file} has format ${JSON.stringify(format)}, but this refplan reads only "${PLAN_FORMAT}"`,
      newer && Number(newer[1]) > 1
        ? 'It was written by a newer refplan: upgrade refplan, or re-run `refplan plan` with this version.'
        : 'Is it a refplan plan file? Plans are written by `refplan plan`, rollback files by `refplan apply`.',
    );
  }

  const problems = schemaProblems(doc);
  if (problems.length > 0) {
    throw new PlanIntegrityError(
      `${file} does not match the plan schema (specs/${SCHEMA}):\n    ${problems.join('\n    ')}`,
      `Was it edited by hand? ${kindHint}`,
    );
  }

  const plan = doc as Plan;
  const computed = computePlanChecksum(plan);
  if (computed !== plan.checksum) {
    throw new PlanIntegrityError(
      `${file}: the plan was edited or truncated after it was written; re-run refplan plan (its checksum is ${plan.checksum.slice(0, 12)}…, its content hashes to ${computed.slice(0, 12)}…)`,
      plan.kind === 'rollback'
        ? 'A rollback file must stay exactly as `refplan apply` wrote it; use an untouched copy.'
        : 'Do not edit plan files: change the change set and run `refplan plan` again.',
    );
  }
  return plan;
}

function planValidator(): ValidateFunction {
  const ajv = getAjv();
  const validate = ajv.getSchema(SCHEMA);
  if (validate !== undefined) return validate;
  ajv.addSchema(readSpec<object>(SCHEMA), SCHEMA);
  return ajv.getSchema(SCHEMA)!;
}

/** The schema of one entry: the plan schema's `entries` items are exactly this, with no rule across entries. */
function planEntryValidator(): ValidateFunction {
  planValidator();
  return getAjv().getSchema(`${SCHEMA}#/$defs/PlanEntry`)!;
}

function schemaProblems(doc: unknown): string[] {
  const validate = planValidator();
  if (validate(doc)) return [];
  const errors = validate.errors ?? [];
  const lines = errors.slice(0, MAX_SCHEMA_PROBLEMS).map(describeSchemaError);
  if (errors.length > MAX_SCHEMA_PROBLEMS) lines.push(`… and ${errors.length - MAX_SCHEMA_PROBLEMS} more`);
  return lines;
}

function describeSchemaError(e: ErrorObject): string {
  const params = e.params as Record<string, unknown>;
  let detail = e.message ?? e.keyword;
  if (e.keyword === 'additionalProperties') detail = `unexpected property ${JSON.stringify(params['additionalProperty'])}`;
  else if (e.keyword === 'enum') detail += ` (${(params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ')})`;
  else if (e.keyword === 'const') detail += ` ${JSON.stringify(params['allowedValue'])}`;
  return `${toJsonPath(e.instancePath)}: ${detail}`;
}

/** ajv's `/entries/3/eTag` as `$.entries[3].eTag`; odd keys (paths such as `/status`) are bracket-quoted. */
export function toJsonPath(pointer: string): string {
  if (pointer === '') return '$';
  return (
    '$' +
    pointer
      .slice(1)
      .split('/')
      .map((raw) => raw.replace(/~1/g, '/').replace(/~0/g, '~'))
      .map((key) => (/^\d+$/.test(key) ? `[${key}]` : /^[A-Za-z_$][\w$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`))
      .join('')
  );
}

function errnoOf(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : undefined;
}

function readError(path: string, e: unknown): FileError {
  switch (errnoOf(e)) {
    case 'ENOENT':
      return new FileError(path, `cannot read plan file ${path}: no such file`, {
        hint: 'Check the path. Plans are written by `refplan plan -o FILE`.',
        cause: e,
      });
    case 'EISDIR':
      return new FileError(path, `cannot read plan file ${path}: it is a directory, not a file`, { hint: 'Pass the plan file itself, not its folder.', cause: e });
    case 'EACCES':
    case 'EPERM':
      return new FileError(path, `cannot read plan file ${path}: permission denied`, {
        hint: 'Plan files are private (mode 0600): run refplan as the user who wrote the plan.',
        cause: e,
      });
    default:
      return new FileError(path, `cannot read plan file ${path}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

function writeError(path: string, e: unknown): FileError {
  if (e instanceof FileError) return e;
  const code = errnoOf(e);
  const why =
    code === 'ENOENT' ? `folder ${dirname(path)} does not exist`
    : code === 'EACCES' || code === 'EPERM' ? 'permission denied'
    : code === 'EISDIR' ? 'it is a directory'
    : e instanceof Error ? e.message : String(e);
  return new FileError(path, `cannot write plan file ${path}: ${why}`, { exitCode: ExitCode.error, cause: e });
}
