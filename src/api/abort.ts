import { NotSentError } from './errors.js';

/**
 * Waits for `p` unless `signal` aborts first: then rejects with NotSentError at once. `p` itself
 * goes on (a sleep's timer, a reserved rate token); callers pass the signal on to what can be
 * cancelled, so an interrupted run does not wait for them to end.
 */
export function raceAbort<T>(p: Promise<T>, signal: AbortSignal | undefined, what: string): Promise<T> {
  if (signal === undefined) return p;
  if (signal.aborted) return Promise.reject(new NotSentError(what));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new NotSentError(what));
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** A sleep whose timer is cleared when `signal` aborts (so an interrupted process exits at once). */
export function sleepUnlessAborted(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
