import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fc, test } from '@fast-check/vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/api/client.js';
import { ApiError } from '../../src/api/errors.js';
import { createRedactor, redactBody } from '../../src/api/redact.js';
import { createStaticTokenProvider } from '../../src/api/token.js';
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
