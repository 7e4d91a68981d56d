import { UsageError } from '../core/errors.js';

/**
 * A server that cannot bind (`emulator`, `proxy`) is the user's flag, not a bug in refplan:
 * say which port or host and what to do, instead of "unexpected error".
 */
export function listenFailure(e: unknown, where: { port: number; host: string }): UsageError | undefined {
  const code = typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : '';
  if (code === 'EADDRINUSE') return new UsageError(`port ${where.port} is already in use`, 'pick another with --port N, or --port 0 for a free one');
  if (code === 'EACCES') return new UsageError(`no permission to listen on port ${where.port}`, 'ports below 1024 need privileges: pick a port from 1024 up, or --port 0 for a free one');
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EADDRNOTAVAIL' || code === 'EINVAL') {
    return new UsageError(`cannot listen on host ${JSON.stringify(where.host)}: it is not an address of this machine`, 'use --host 127.0.0.1 (the default), or 0.0.0.0 for every interface');
  }
  return undefined;
}
