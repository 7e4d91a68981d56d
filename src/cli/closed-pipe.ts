/**
 * `refplan show big.plan.json | head -3`, `refplan --help | head -1`, `| less` quit early: the
 * reader closes the pipe and the next write fails with EPIPE, which Node throws as an uncaught
 * error with a stack. The reader wanted no more output, so that is no error: later writes to that
 * stream are dropped, and the command still finishes its work (an apply is not cut off mid-run
 * because its summary had no reader) and exits with its own code. Any other write error (a full
 * disk behind `> file`) is reported once on stderr and fails the run.
 */
export function quietOnClosedPipes(streams: NodeJS.WriteStream[] = [process.stdout, process.stderr]): void {
  for (const stream of streams) {
    let reported = false;
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') return;
      if (reported) return;
      reported = true;
      process.exitCode = 1;
      if (stream !== process.stderr) process.stderr.write(`refplan: cannot write to ${stream === process.stdout ? 'stdout' : 'a stream'}: ${e.message}\n`);
    });
  }
}
