import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fc, test } from '@fast-check/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/api/client.js';
import { ApiError } from '../../src/api/errors.js';
import { createRedactor, redactBody, redactHeaders, redactSuccessBody } from '../../src/api/redact.js';
import { createStaticTokenProvider } from '../../src/api/token.js';
import { startEmulator } from '../../src/emulator/index.js';
import { runCli } from '../helpers/run-cli.js';
import { tempTree } from '../helpers/temp-dir.js';
import { startScriptServer, type ScriptServer } from './script-server.js';

// A JWT-like token with the characters that encodings change: '.', '-', '_', and one that base64 turns into '+' and '/'.
const TOKEN = 'eyJhbGciOi.tok-SECRET_9f~3a/7c+e1';
const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const b64url = (s: string) => Buffer.from(s, 'utf8').toString('base64url');
const jsonEscapedAll = (s: string) => [...s].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('');
const percentAll = (s: string) => [...Buffer.from(s)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('');

/** Every way the tests echo the token; none may survive in anything refplan keeps or prints. */
function spellings(token: string): string[] {
  return [token, encodeURIComponent(token), percentAll(token), JSON.stringify(token).slice(1, -1).replace(/\//g, '\\/'), jsonEscapedAll(token), b64(token), b64url(token), b64(`Bearer ${token}`), b64url(`x${token}`), b64(`xy${token}`)];
}

/** What a reader could decode the token back from: the raw token, or any fragment of its base64 that is long enough. */
function leaks(text: string, token: string): string[] {
  const decoded = [text, safeDecode(text), JSON.parse(JSON.stringify(text)) as string];
  const found: string[] = [];
  for (const d of decoded) if (d.includes(token)) found.push('raw/decoded');
  for (const k of [0, 1, 2]) {
    const core = b64(`${'\0'.repeat(k)}${token}`).slice(Math.ceil((8 * k) / 6), Math.floor((8 * (k + token.length)) / 6));
    if (text.includes(core) || text.includes(core.replace(/\+/g, '-').replace(/\//g, '_'))) found.push(`base64 offset ${k}`);
  }
  return found;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

describe('createRedactor', () => {
  const redact = createRedactor([TOKEN]);

  it('redacts the token raw, URL-encoded (any case), JSON-escaped, and base64/base64url at any offset', () => {
    for (const s of spellings(TOKEN)) {
      const out = redact(`before ${s} after`);
      expect(out, s).toMatch(/^before .*\[redacted\].* after$/);
      expect(leaks(out, TOKEN), `${s} → ${out}`).toEqual([]);
    }
    expect(redact(percentAll(TOKEN).toLowerCase())).toBe('[redacted]');
    // Mixed spellings inside one echo.
    expect(redact(`x ${TOKEN.slice(0, 5)}${percentAll(TOKEN.slice(5, 9))}\\u0069${TOKEN.slice(10)} y`)).toBe('x [redacted] y');
  });

  it('leaves text without the token alone, and ignores secrets too short to be told from text', () => {
    expect(redact('nothing to see: eyJhbGciOi alone, tok-SECRET alone')).toBe('nothing to see: eyJhbGciOi alone, tok-SECRET alone');
    expect(createRedactor(['short'])('a short text')).toBe('a short text');
  });

  it('redacts after parsing a JSON body, so escapes cannot hide the token', () => {
    const body = `{"error":{"code":"bad","message":"you sent ${jsonEscapedAll(`Bearer ${TOKEN}`)}","target":"${TOKEN.replace(/\//g, '\\/')}"},"${jsonEscapedAll(TOKEN)}":1}`;
    const out = redactBody(body, redact);
    expect(JSON.parse(out)).toEqual({ error: { code: 'bad', message: 'you sent Bearer [redacted]', target: '[redacted]' }, '[redacted]': 1 });
    expect(leaks(out, TOKEN)).toEqual([]);
    expect(redactBody(`<html>${b64(TOKEN)}</html>`, redact)).toBe('<html>[redacted]</html>');
  });

  it('its quick pre-check finds every spelling, also one JSON-escaped on top of URL-encoded', () => {
    expect(redact.mayHold).toBeDefined();
    for (const s of spellings(TOKEN)) expect(redact.mayHold?.(`{"a":"before ${s.replace(/\\/g, '\\\\')} after"}`), s).toBe(true);
    expect(redact.mayHold?.('{"name":"Contoso","notes":"nothing here: eyJhbGciOi alone"}')).toBe(false);
    // "\u0025" is "%", so the decoded string holds %74… : a spelling the raw text does not show.
    const twice = `{"notes":"${percentAll(TOKEN).replace(/%/g, '\\u0025')}"}`;
    expect(redact(twice)).toBe(twice);
    expect(redact.mayHold?.(twice)).toBe(true);
    expect(JSON.parse(redactSuccessBody(twice, redact))).toEqual({ notes: '[redacted]' });
  });

  it('its pre-check is not fooled by a "%" that runs into a token starting with hex digits', () => {
    // Found by the property below: "%" + "00~A._aa_/" decoded greedily as %00 hides the token.
    for (const token of ['00~A._aa_/', '7fABCDEFGH', 'a1b2c3d4e5']) {
      const r = createRedactor([token]);
      for (const body of [JSON.stringify({ v: `%${token}` }), JSON.stringify({ v: `50%${token}%` }), `{"v":"\\u0025${token}"}`]) {
        expect(r.mayHold?.(body), body).toBe(true);
        expect(leaks(redactSuccessBody(body, r), token), body).toEqual([]);
      }
    }
  });

  test.prop([fc.stringMatching(/^[A-Za-z0-9._~+/=-]{8,60}$/), fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 })], { numRuns: 25 })(
    'the pre-check finds any token of the token alphabet in any of its spellings, in a JSON body',
    (token, left, right) => {
      const r = createRedactor([token]);
      for (const s of spellings(token)) {
        const body = JSON.stringify({ v: `${left}${s}${right}` });
        expect(r.mayHold?.(body), s).toBe(true);
        expect(leaks(redactSuccessBody(body, r), token)).toEqual([]);
      }
    },
  );

  it('redacts a successful body only when it holds a spelling, and header values such as an echoed ETag', () => {
    const clean = '{"id":"r1","name":"Contoso","eTag":"W/\\"1\\""}';
    expect(redactSuccessBody(clean, redact)).toBe(clean);
    expect(JSON.parse(redactSuccessBody(`{"id":"r1","name":"${jsonEscapedAll(TOKEN)}"}`, redact))).toEqual({ id: 'r1', name: '[redacted]' });
    const headers = { etag: `"${TOKEN}"`, 'set-cookie': ['a=1', `b=${b64(TOKEN)}`], 'content-type': 'application/json' };
    expect(redactHeaders(headers, redact)).toEqual({ etag: '"[redacted]"', 'set-cookie': ['a=1', 'b=[redacted]'], 'content-type': 'application/json' });
    const plain = { etag: '"1"' };
    expect(redactHeaders(plain, redact)).toBe(plain);
  });

  test.prop([fc.string({ minLength: 8, maxLength: 80, unit: 'grapheme-ascii' }), fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 })], { numRuns: 25 })(
    'redacts any token in any of its spellings, whatever surrounds it',
    (token, left, right) => {
      const r = createRedactor([token]);
      for (const s of spellings(token)) {
        const out = r(`${left}${s}${right}`);
        expect(out).toContain('[redacted]');
        expect(out.includes(token)).toBe(false);
      }
    },
  );
});

describe('a hostile server that echoes the token (real HTTP)', () => {
  let server: ScriptServer;
  beforeAll(async () => {
    // Answers every request with an error that echoes the Authorization header in every spelling at once.
    server = await startScriptServer((req, res) => {
      const auth = String(req.headers['authorization'] ?? '');
      const token = auth.replace(/^Bearer /, '');
      const echoes = spellings(token).join(' | ');
      if (req.url.includes('html')) {
        res.writeHead(400, { 'content-type': 'text/html' });
        res.end(`<p>${echoes} ${b64(auth)}</p>`);
        return;
      }
      // JSON.stringify escapes nothing we need, so write the body by hand with \u escapes too.
      const text = `{"error":{"code":"invalidRequest","message":"you sent ${jsonEscapedAll(auth)} ${echoes.replace(/\\/g, '\\\\')}","target":"${encodeURIComponent(auth)}","innerError":{"code":"x","message":"${b64(auth)}"}}}`;
      res.writeHead(400, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('the client keeps no spelling of it in an error message, its fields or its excerpt', async () => {
    const client = createClient({ baseUrl: server.baseUrl, token: createStaticTokenProvider(TOKEN), maxRetries: 0 });
    try {
      for (const id of ['json', 'html']) {
        const e = (await client.getReferral(id).catch((x: unknown) => x)) as ApiError;
        expect(e).toBeInstanceOf(ApiError);
        expect(e.status).toBe(400);
        const dump = JSON.stringify({ ...e, message: e.message, hint: e.hint, stack: e.stack });
        expect(leaks(dump, TOKEN), dump).toEqual([]);
        expect(leaks(e.bodyExcerpt, TOKEN)).toEqual([]);
        if (id === 'json') expect(e.message).toMatch(/400 invalidRequest .*: you sent Bearer \[redacted\]/);
      }
    } finally {
      await client.close();
    }
  });

  it('the built CLI prints no spelling of it, human or --json', async () => {
    const dir = tempTree();
    writeFileSync(join(dir, 'c.yaml'), 'changes:\n  - id: json\n    set: { notes: x }\n');
    for (const args of [['plan', 'c.yaml', '-o', 'p.json'], ['plan', 'c.yaml', '-o', 'p.json', '--json'], ['plan', 'c.yaml', '-o', 'p.json', '--debug']]) {
      const r = await runCli(args, { cwd: dir, env: { REFPLAN_BASE_URL: server.baseUrl, REFPLAN_TOKEN: TOKEN } });
      expect(r.code, r.stderr).not.toBe(0);
      expect(r.stderr).toMatch(/400/);
      expect(leaks(r.stdout + r.stderr, TOKEN), r.stderr).toEqual([]);
    }
  });
});

describe('a server that reflects the token into successful answers (built CLI, real HTTP)', () => {
  let emu: Awaited<ReturnType<typeof startEmulator>>;
  let reflector: ReturnType<typeof createServer>;
  let baseUrl = '';
  beforeAll(async () => {
    emu = await startEmulator({ generate: 12, randomSeed: 7 });
    // Forwards to the emulator and writes the Authorization header it was sent into every referral
    // of a 2xx answer: raw in the name, base64 in the customer name, \u-escaped in the notes.
    reflector = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void (async () => {
          const upstream = await fetch(`${emu.url.replace(/\/v1\.0$/, '')}${req.url ?? ''}`, {
            method: req.method ?? 'GET',
            headers: Object.fromEntries(Object.entries(req.headers).filter(([k]) => !['host', 'content-length', 'connection'].includes(k)).map(([k, v]) => [k, String(v)])),
            ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
          });
          let text = await upstream.text();
          const auth = String(req.headers['authorization'] ?? '');
          const token = auth.replace(/^Bearer /, '');
          if (upstream.status < 300 && text.startsWith('{')) {
            const doc = JSON.parse(text) as Record<string, unknown> & { value?: unknown[] };
            const mark = (r: Record<string, unknown>): void => {
              if (typeof r['id'] !== 'string') return;
              r['name'] = `${String(r['name'])} ${token}`;
              const customer = r['customerProfile'] as Record<string, unknown> | undefined;
              if (customer !== undefined) customer['name'] = `${String(customer['name'])} ${b64(auth)}`;
              const details = r['details'] as Record<string, unknown> | undefined;
              if (details !== undefined) details['notes'] = `${String(details['notes'] ?? '')} @@ECHO@@`;
            };
            if (Array.isArray(doc.value)) for (const r of doc.value) mark(r as Record<string, unknown>);
            else mark(doc);
            text = JSON.stringify(doc).replace(/@@ECHO@@/g, jsonEscapedAll(token));
          }
          const headers: Record<string, string> = { 'content-type': upstream.headers.get('content-type') ?? 'application/json' };
          for (const h of ['etag', 'retry-after']) if (upstream.headers.get(h) !== null) headers[h] = upstream.headers.get(h)!;
          res.writeHead(upstream.status, headers);
          res.end(text);
        })();
      });
    });
    await new Promise<void>((r) => reflector.listen(0, '127.0.0.1', r));
    baseUrl = `http://127.0.0.1:${(reflector.address() as AddressInfo).port}/v1.0`;
  });
  afterAll(async () => {
    reflector?.closeAllConnections();
    await new Promise((r) => reflector?.close(r));
    await emu?.close();
  });

  it('no spelling of the token reaches an export, a plan, a journal, results, a rollback file or the terminal', async () => {
    const dir = tempTree();
    const env = { REFPLAN_BASE_URL: baseUrl, REFPLAN_TOKEN: TOKEN };
    const active = emu.store.all().filter((r) => r.status === 'Active').slice(0, 2);
    expect(active).toHaveLength(2);
    writeFileSync(join(dir, 'c.yaml'), `changes:\n${active.map((r) => `  - id: "${r.id}"\n    set: { dealValue: 4321 }\n`).join('')}`);
    const runs = [
      ['export', '--where', 'status=Active', '-o', 'x.csv'],
      ['export', '--where', 'status=Active', '-o', 'x.yaml'],
      ['plan', 'c.yaml', '-o', 'p.json'],
      ['show', 'p.json'],
      ['show', 'p.json', '--format', 'csv'],
      ['show', 'p.json', '--html', 'p.html'],
      ['apply', 'p.json', '--yes'],
      ['apply', 'p.json', '--yes', '--json'],
      ['rollback', 'p.rollback.json', '--yes'],
    ];
    let printed = '';
    for (const args of runs) {
      const r = await runCli(args, { cwd: dir, env });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      printed += r.stdout + r.stderr;
    }
    // The reflector did echo it, in every run: the emulator's referrals now hold only refplan's own writes.
    expect(printed).toContain('[redacted]');
    expect(leaks(printed, TOKEN)).toEqual([]);
    const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
    expect(files.map((f) => f.name)).toEqual(expect.arrayContaining(['x.csv', 'p.json', 'p.journal.jsonl', 'p.rollback.json', 'p.html']));
    for (const f of files) {
      const text = readFileSync(join(f.parentPath, f.name), 'utf8');
      expect(leaks(text, TOKEN), f.name).toEqual([]);
    }
    // Nine runs of the built CLI: minutes, not seconds, on a loaded 2-core machine.
  }, 120_000);
});
