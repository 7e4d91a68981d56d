import { UsageError } from '../../core/errors.js';
import { escapeControls, hasControls } from '../../core/terminal-text.js';
import { startProxy, type ProxyRequestEvent } from '../../engine/proxy.js';
import type { CliContext } from '../context.js';
import { listenFailure } from '../listen-error.js';
import type { ProxyCommandOptions } from './proxy.js';
import { waitForStopSignal } from '../wait-for-stop-signal.js';

/**
 * One log line per request: method, referral id (or path), ops, status, latency. Never headers.
 * Ids and paths come URL-decoded from the client: escaped, so `%0A` or `%1B` in a URL cannot
 * forge a log line or drive the terminal (JSON-quoted parts are escaped by JSON.stringify, and
 * what it leaves raw by escapeControls).
 */
export function formatProxyLine(e: ProxyRequestEvent): string {
  const id = e.referralId ?? e.path;
  // Quoted when it could pass for more than one field (a space, a quote) or holds a control.
  const shownId = /[\s"\\]/.test(id) || hasControls(id) ? JSON.stringify(id) : id;
  const parts = [e.method, shownId, `ops=${e.ops ?? '-'}`, `status=${e.status}`, `${e.latencyMs}ms`];
  if (e.mode !== 'passthrough') parts.push(e.mode);
  if (e.dropped !== undefined && e.dropped.length > 0) parts.push(`dropped=${e.dropped.join(',')}`);
  if (e.shadowPatch !== undefined) parts.push(`patch=${JSON.stringify(e.shadowPatch)}`);
  if (e.note !== undefined) parts.push(`note=${JSON.stringify(e.note)}`);
  return escapeControls(parts.join(' '));
}

function parsePort(raw: string): number {
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65535) throw new UsageError(`--port "${raw}" is not a port number`, 'use 0 to pick a free port, or 1-65535');
  return port;
}

/** The work of `refplan proxy`, loaded only when the command runs (proxy.ts declares it). */
export async function runProxy(ctx: CliContext, opts: ProxyCommandOptions): Promise<void> {
  const out = ctx.io.stdout;
  const port = parsePort(opts.port);
  let proxy;
  try {
    proxy = await startProxy({
      upstream: opts.upstream,
      port,
      host: opts.host,
      shadow: opts.shadow === true,
      allowPutWithoutETag: opts.allowPutWithoutEtag === true,
      onRequest: (e) => out.write(`${formatProxyLine(e)}\n`),
    });
  } catch (e) {
    throw listenFailure(e, { port, host: opts.host }) ?? e;
  }
  // The first stdout line is the URL, so scripts can start the proxy on port 0 and read it.
  out.write(`${proxy.url}\n`);
  ctx.io.stderr.write(`refplan proxy: forwarding to ${escapeControls(opts.upstream)}${opts.shadow === true ? ' (shadow: PUTs forwarded unchanged)' : ''}; Ctrl-C stops it\n`);
  if (opts.allowPutWithoutEtag === true && opts.shadow !== true) {
    ctx.io.stderr.write('refplan proxy: warning: --allow-put-without-etag: a PUT without If-Match is pinned to a fresh read, so its stale fields can overwrite other edits\n');
  }
  await waitForStopSignal();
  await proxy.close();
}
