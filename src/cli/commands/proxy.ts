import type { Command } from 'commander';
import { UsageError } from '../../core/errors.js';
import type { ProxyRequestEvent } from '../../engine/proxy.js';
import type { CliContext } from '../context.js';
import { listenFailure } from '../listen-error.js';

/** Default port of `refplan proxy` (documented in the README). */
export const DEFAULT_PROXY_PORT = 7071;

export interface ProxyCommandOptions {
  upstream: string;
  port: string;
  host: string;
  shadow?: boolean;
}

/** One log line per request: method, referral id (or path), ops, status, latency. Never headers. */
export function formatProxyLine(e: ProxyRequestEvent): string {
  const parts = [e.method, e.referralId ?? e.path, `ops=${e.ops ?? '-'}`, `status=${e.status}`, `${e.latencyMs}ms`];
  if (e.mode !== 'passthrough') parts.push(e.mode);
  if (e.dropped !== undefined && e.dropped.length > 0) parts.push(`dropped=${e.dropped.join(',')}`);
  if (e.shadowPatch !== undefined) parts.push(`patch=${JSON.stringify(e.shadowPatch)}`);
  if (e.note !== undefined) parts.push(`note=${JSON.stringify(e.note)}`);
  return parts.join(' ');
}

function parsePort(raw: string): number {
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65535) throw new UsageError(`--port "${raw}" is not a port number`, 'use 0 to pick a free port, or 1-65535');
  return port;
}

export function register(program: Command, ctx: CliContext): void {
  program
    .command('proxy')
    .description('run a local compatibility proxy that turns legacy PUTs of referrals into minimal PATCHes')
    .requiredOption('--upstream <url>', 'the API base URL to forward to, e.g. https://api.partner.microsoft.com/v1.0')
    .option('--port <n>', `port to listen on (0 picks a free one)`, String(DEFAULT_PROXY_PORT))
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--shadow', 'forward PUTs unchanged and only log the patch that would have been sent')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  $ refplan proxy --upstream https://api.partner.microsoft.com/v1.0 --port 7071',
        '  $ refplan proxy --upstream http://127.0.0.1:4780/v1.0 --port 0 --shadow',
        '',
        'Point the legacy client\'s base URL at the first stdout line (http://127.0.0.1:PORT/v1.0).',
        'Then one line per request: method, id, ops, status, latency. The client\'s Authorization header is',
        'forwarded, never logged. Stops on Ctrl+C / SIGTERM.',
        'Exit codes: 0 stopped cleanly, 1 bad flag value, port in use or host not available.',
      ].join('\n'),
    )
    .action(async (opts: ProxyCommandOptions) => {
      const { startProxy } = await import('../../engine/proxy.js');
      const out = ctx.io.stdout;
      const port = parsePort(opts.port);
      let proxy;
      try {
        proxy = await startProxy({
          upstream: opts.upstream,
          port,
          host: opts.host,
          shadow: opts.shadow === true,
          onRequest: (e) => out.write(`${formatProxyLine(e)}\n`),
        });
      } catch (e) {
        throw listenFailure(e, { port, host: opts.host }) ?? e;
      }
      // The first stdout line is the URL, so scripts can start the proxy on port 0 and read it.
      out.write(`${proxy.url}\n`);
      ctx.io.stderr.write(`refplan proxy: forwarding to ${opts.upstream}${opts.shadow === true ? ' (shadow: PUTs forwarded unchanged)' : ''}; Ctrl-C stops it\n`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await proxy.close();
    });
}
