import type { Command } from 'commander';
import type { CliContext } from '../context.js';

/** Default port of `refplan proxy` (documented in docs/guides/migrating-off-put.md). */
export const DEFAULT_PROXY_PORT = 7071;

export interface ProxyCommandOptions {
  upstream: string;
  port: string;
  host: string;
  shadow?: boolean;
  allowPutWithoutEtag?: boolean;
}

export function register(program: Command, ctx: CliContext): void {
  program
    .command('proxy')
    .description('run a local compatibility proxy that turns legacy PUTs of referrals into minimal PATCHes')
    .requiredOption('--upstream <url>', 'the API base URL to forward to, e.g. https://api.partner.microsoft.com/v1.0')
    .option('--port <n>', `port to listen on (0 picks a free one)`, String(DEFAULT_PROXY_PORT))
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--shadow', 'forward PUTs unchanged and only log the patch that would have been sent')
    .option(
      '--allow-put-without-etag',
      'accept a PUT with neither If-Match nor a body eTag, pinned to a fresh read (its stale fields can overwrite edits made since the client read the referral; refused with 400 by default, as the API does)',
    )
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
        'forwarded, never logged (and only over https, or to this machine). A PUT must carry If-Match or an eTag',
        'in its body, as the API requires; one without is answered 400 with how to fix the client, unless',
        '--allow-put-without-etag. Stops on Ctrl+C / SIGTERM.',
        'Exit codes: 0 stopped cleanly, 1 bad flag value, port in use or host not available.',
      ].join('\n'),
    )
    .action(async (opts: ProxyCommandOptions) => {
      const { runProxy } = await import('./proxy-action.js');
      await runProxy(ctx, opts);
    });
}
