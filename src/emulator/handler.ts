import { randomUUID } from 'node:crypto';
import type { Referral } from '../core/referral.js';
import { isTerminal } from '../core/transitions.js';
import { loadTransitionTable } from '../schema/specs.js';
import { ApiFault, invalidRequest, itemNotFound } from './api-error.js';
import { applyJsonPatch, checkPatchBody } from './apply-patch.js';
import type { Faults } from './faults.js';
import { headerValue, type EmulatorRequest, type EmulatorResponse } from './http-types.js';
import { ListCache, parseListQuery, renderPage } from './paging.js';
import type { RateLimitPolicy } from './rate-limit.js';
import {
  checkNewReferralSchema,
  checkReferralSchema,
  checkTransition,
  checkWritable,
  coerceNumbers,
  normaliseEnums,
  readOnlyTopLevelKeys,
} from './referral-rules.js';
import { newETag, type ReferralStore } from './store.js';

/**
 * The emulator's request handler: {method, path, query, headers, body} →
 * {status, headers, body}, over a ReferralStore and without any socket.
 * Order per API request: throttle (429) → auth (401) → injected failure
 * (500/503) → route. Known errors become their status and the API's error body;
 * anything else is a logged 500 generalException.
 */
export interface HandlerOptions {
  /** Exact bearer token to require; any non-empty bearer token when undefined. */
  token?: string;
  rateLimit?: RateLimitPolicy;
  faults?: Faults;
  /** Where unexpected errors are reported (default: stderr). */
  log?: (message: string) => void;
}

export interface EmulatorHandler {
  handle(req: EmulatorRequest): EmulatorResponse;
  /** Restores the starting data, zeroes stats and restarts the fault and throttle state. */
  reset(): void;
}

const BASES = ['/v1.0/engagements/referrals', '/v1.0/referrals']; // the docs' nextLink drops /engagements
const JSON_TYPE = 'application/json; charset=utf-8';
const ECHOED: readonly [string, string][] = [
  ['ms-correlationid', 'MS-CorrelationId'],
  ['ms-requestid', 'MS-RequestId'],
  ['client-request-id', 'client-request-id'],
];
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

function json(status: number, body: string, headers: Record<string, string> = {}): EmulatorResponse {
  return { status, headers: { 'Content-Type': JSON_TYPE, ...headers }, body };
}

function parseBody(req: EmulatorRequest): unknown {
  if (req.body.trim() === '') throw invalidRequest('the request body is empty; a JSON body is required');
  let value: unknown;
  try {
    value = JSON.parse(req.body);
  } catch (e) {
    throw invalidRequest(`the request body is not valid JSON: ${(e as Error).message}`);
  }
  checkKeys(value, '');
  return value;
}

/** Prototype-polluting keys are refused anywhere in a body. */
function checkKeys(value: unknown, path: string): void {
  if (value === null || typeof value !== 'object') return;
  for (const [k, v] of Object.entries(value)) {
    if (FORBIDDEN_KEYS.has(k)) throw invalidRequest(`the key '${k}' is not allowed (at ${path || '/'})`, `${path}/${k}`);
    checkKeys(v, `${path}/${k}`);
  }
}

function ifMatchAgrees(header: string, eTag: string | undefined): boolean {
  if (header.trim() === '*') return true;
  const bare = (s: string): string => s.trim().replace(/^W\//, '').replace(/^[\\"]+|[\\"]+$/g, '');
  return eTag !== undefined && bare(header) === bare(eTag);
}

export function createHandler(store: ReferralStore, options: HandlerOptions = {}): EmulatorHandler {
  const table = loadTransitionTable();
  const listCache = new ListCache(store);
  const readOnlyKeys = readOnlyTopLevelKeys();
  const log = options.log ?? ((m: string) => process.stderr.write(`${m}\n`));
  const expectedAuth = options.token === undefined ? undefined : `Bearer ${options.token}`;

  const entity = (origin: string, id: string): string => {
    const body = store.json(id) as string;
    return `{"@odata.context":${JSON.stringify(`${origin}/v1.0/$metadata#Referrals/$entity`)},${body.slice(1)}`;
  };

  const mustGet = (id: string): Referral => {
    const doc = store.get(id);
    if (doc === undefined) throw itemNotFound(id);
    return doc;
  };

  const checkIfMatch = (req: EmulatorRequest, current: Referral, required: boolean): void => {
    const ifMatch = headerValue(req, 'if-match');
    if (ifMatch === undefined || ifMatch.trim() === '') {
      if (required) throw invalidRequest('the If-Match header is required for PUT; send the eTag you read', 'If-Match');
      return;
    }
    if (!ifMatchAgrees(ifMatch, current.eTag)) {
      throw new ApiFault(412, 'preconditionFailed', 'the referral was changed since the eTag in If-Match was read; read it again', current.id);
    }
  };

  const refuseTerminal = (current: Referral): void => {
    if (isTerminal(table, current)) {
      throw invalidRequest(`the referral is ${current.status}/${current.substatus}, a terminal state: it can no longer be edited`, current.id);
    }
  };

  const patch = (req: EmulatorRequest, id: string): EmulatorResponse => {
    const current = mustGet(id);
    checkIfMatch(req, current, false);
    const ops = checkPatchBody(parseBody(req));
    if (ops.length === 0) throw invalidRequest('the patch has no operations');
    checkWritable(ops);
    refuseTerminal(current);
    const next = applyJsonPatch(current, ops);
    coerceNumbers(next);
    normaliseEnums(next);
    checkReferralSchema(next);
    checkTransition(current, next);
    const stored = store.commit(id, next);
    const eTag = stored.eTag as string;
    if ((headerValue(req, 'prefer') ?? '').toLowerCase().includes('return=representation')) {
      return json(200, store.json(id) as string, { ETag: eTag });
    }
    return { status: 204, headers: { ETag: eTag, 'Content-Length': '0' }, body: '' };
  };

  const put = (req: EmulatorRequest, id: string): EmulatorResponse => {
    const current = mustGet(id);
    checkIfMatch(req, current, true);
    const body = parseBody(req);
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw invalidRequest('the PUT body must be a whole referral object');
    refuseTerminal(current);
    // Read-only fields (and links) are taken from the stored referral, whatever the body says.
    const next: Referral = { ...(body as Record<string, unknown>), id };
    delete next['@odata.context'];
    for (const key of readOnlyKeys) {
      if (Object.hasOwn(current, key)) next[key] = structuredClone(current[key]);
      else delete next[key];
    }
    coerceNumbers(next);
    normaliseEnums(next);
    checkReferralSchema(next);
    checkTransition(current, next);
    const stored = store.commit(id, next);
    return json(200, store.json(id) as string, { ETag: stored.eTag as string });
  };

  const create = (req: EmulatorRequest): EmulatorResponse => {
    const body = parseBody(req);
    if (body === null || typeof body !== 'object' || Array.isArray(body)) throw invalidRequest('the POST body must be a referral object');
    const doc = body as Referral;
    coerceNumbers(doc);
    normaliseEnums(doc);
    checkNewReferralSchema(doc);
    const now = store.now().toISOString();
    const id = randomUUID();
    const engagementId = typeof doc['engagementId'] === 'string' && doc['engagementId'] !== '' ? doc['engagementId'] : randomUUID();
    const created: Referral = {
      ...doc,
      id,
      engagementId,
      organizationId: '7d23e5ca-19dc-4eaa-aac8-5e6b559f0d1d',
      organizationName: 'Fabrikam Partners',
      createdDateTime: now,
      updatedDateTime: now,
      acceptedDateTime: now,
      expirationDateTime: null,
      status: table.create.status,
      substatus: table.create.substatus,
      direction: 'Outgoing',
      eTag: newETag(),
      links: {
        relatedReferrals: { uri: `https://api.partner.microsoft.com/v1.0/engagements/referrals?$filter=engagementId eq '${engagementId}'`, method: 'GET' },
        self: { uri: `https://api.partner.microsoft.com/v1.0/engagements/referrals/${id}`, method: 'GET' },
      },
    };
    delete created['@odata.context'];
    delete created['closedDateTime'];
    checkReferralSchema(created);
    store.insert(created);
    return json(201, store.json(id) as string, { ETag: created.eTag as string, Location: `${req.origin}${BASES[0]}/${id}` });
  };

  const route = (req: EmulatorRequest): EmulatorResponse => {
    const base = BASES.find((b) => req.path === b || req.path.startsWith(`${b}/`));
    if (base === undefined) throw new ApiFault(404, 'resourceNotFound', `no resource at ${req.path}; the referrals API is at ${BASES[0]}`, req.path);
    const rest = req.path.slice(base.length + 1);
    if (rest === '') {
      if (req.method === 'GET') return json(200, renderPage(store, listCache, parseListQuery(req.query), req.origin));
      if (req.method === 'POST') return create(req);
      throw new ApiFault(405, 'methodNotAllowed', `${req.method} is not supported on the referrals collection (use GET or POST)`, null, { Allow: 'GET, POST' });
    }
    if (rest.includes('/')) throw new ApiFault(404, 'resourceNotFound', `no resource at ${req.path}`, req.path);
    const id = decodeURIComponent(rest);
    switch (req.method) {
      case 'GET':
        mustGet(id);
        return json(200, entity(req.origin, id), { ETag: store.get(id)?.eTag ?? '' });
      case 'PATCH':
        return patch(req, id);
      case 'PUT':
        return put(req, id);
      default:
        throw new ApiFault(405, 'methodNotAllowed', `${req.method} is not supported on a referral (use GET, PATCH or PUT)`, null, { Allow: 'GET, PATCH, PUT' });
    }
  };

  const control = (req: EmulatorRequest): EmulatorResponse => {
    if (req.path === '/_emulator/stats' && req.method === 'GET') {
      // `?byId=false`: the counters without commits per referral, cheap enough to poll while a
      // benchmark runs (the whole map for 50,000 referrals would cost the server more than the run).
      if (new URLSearchParams(req.query).get('byId') === 'false') {
        const { requests, commits } = store.counters();
        return json(200, JSON.stringify({ requests, commits: { total: commits.total } }));
      }
      return json(200, JSON.stringify(store.stats()));
    }
    if (req.path === '/_emulator/reset' && req.method === 'POST') {
      reset();
      return json(200, JSON.stringify({ reset: true, referrals: store.size }));
    }
    return json(404, new ApiFault(404, 'resourceNotFound', `no emulator endpoint ${req.method} ${req.path} (GET /_emulator/stats, POST /_emulator/reset)`).body());
  };

  const reset = (): void => {
    store.reset();
    options.faults?.reset();
    options.rateLimit?.reset();
  };

  const answer = (req: EmulatorRequest): EmulatorResponse => {
    const verdict = options.rateLimit?.check(req.method);
    if (verdict?.refusedForSeconds !== undefined) {
      const wait = verdict.refusedForSeconds;
      return json(429, JSON.stringify({ statusCode: 429, message: `Rate limit is exceeded. Try again in ${wait} seconds.` }), verdict.headers);
    }
    const response = answerUnthrottled(req);
    if (verdict !== undefined) Object.assign(response.headers, verdict.headers);
    return response;
  };

  const answerUnthrottled = (req: EmulatorRequest): EmulatorResponse => {
    const auth = headerValue(req, 'authorization');
    const authorised = expectedAuth === undefined ? auth !== undefined && /^Bearer\s+\S/i.test(auth) : auth === expectedAuth;
    if (!authorised) {
      const fault = new ApiFault(401, 'unauthenticated', 'a valid bearer token is required (Authorization: Bearer <token>)');
      return json(401, fault.body(), { 'WWW-Authenticate': 'Bearer' });
    }
    const failure = options.faults?.failure();
    if (failure !== undefined) {
      const fault =
        failure === 503
          ? new ApiFault(503, 'serviceNotAvailable', 'the service is temporarily unavailable (injected fault); nothing was changed')
          : new ApiFault(500, 'generalException', 'an internal error occurred (injected fault); nothing was changed');
      return json(failure, fault.body());
    }
    try {
      const response = route(req);
      if (req.method !== 'GET' && response.status < 300 && options.faults?.resetAfterCommit() === true) {
        response.destroySocket = true;
      }
      return response;
    } catch (e) {
      if (e instanceof ApiFault) return json(e.status, e.body(), e.headers);
      log(`refplan emulator: unexpected error on ${req.method} ${req.path}: ${(e as Error).stack ?? String(e)}`);
      return json(500, new ApiFault(500, 'generalException', 'unexpected emulator error').body());
    }
  };

  return {
    reset,
    handle(req) {
      if (req.path.startsWith('/_emulator/')) return control(req);
      const response = answer(req);
      for (const [lower, name] of ECHOED) {
        const value = headerValue(req, lower);
        if (value !== undefined) response.headers[name] = value;
      }
      response.headers['request-id'] = headerValue(req, 'ms-requestid') ?? headerValue(req, 'client-request-id') ?? randomUUID();
      store.recordRequest(req.method, response.destroySocket === true ? undefined : response.status);
      return response;
    },
  };
}
