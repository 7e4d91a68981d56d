/**
 * Resolves on the first SIGINT or SIGTERM, for commands that serve until stopped (emulator, proxy).
 * Started by npx or an npm script (npm_command is set), it also stops when that parent dies: a
 * killed `npx refplan emulator` must not leave this child serving with its port bound. A process
 * started from a shell (or nohup) keeps running when its shell goes, as servers do.
 */
export function waitForStopSignal(env: NodeJS.ProcessEnv = process.env, pollMs = 500): Promise<NodeJS.Signals | 'parent-exited'> {
  return new Promise((resolve) => {
    let watch: NodeJS.Timeout | undefined;
    const stop = (signal: NodeJS.Signals | 'parent-exited'): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      if (watch !== undefined) clearInterval(watch);
      resolve(signal);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    if (env['npm_command'] !== undefined && env['npm_command'] !== '') {
      const parent = process.ppid;
      watch = setInterval(() => {
        if (process.ppid !== parent) stop('parent-exited');
      }, pollMs);
    }
  });
}
