import { afterAll, beforeAll, expect } from 'vitest';
import { startEmulator, type EmulatorHandle, type EmulatorOptions } from '../../src/emulator/index.js';
import { runCli, type CliRun } from './run-cli.js';

/** One emulator shared by the tests of a file, and what the built CLI needs to reach it. */
export interface EmulatorSuite {
  readonly emu: EmulatorHandle;
  /** REFPLAN_BASE_URL and REFPLAN_TOKEN for runCli; a new object on every read, so a test may spread or change it freely. */
  readonly env: Record<string, string>;
  /** Runs the built CLI in `dir` against the emulator and asserts its exit code (0 unless given). */
  cliIn(dir: string): (args: string[], code?: number) => Promise<CliRun>;
}

/**
 * Starts an emulator in beforeAll and closes it in afterAll of the file (or describe) it is called in.
 * `token` is what the CLI sends (any, by default: the emulator checks it only when
 * `options.token` says so); library-level tests use `emu` alone.
 * `emu` and `env` exist once that beforeAll has run: read them in hooks and tests, not at collection.
 */
export function emulatorForSuite(options: EmulatorOptions, token = 'test-token'): EmulatorSuite {
  let started: EmulatorHandle | undefined;
  beforeAll(async () => {
    started = await startEmulator(options);
  });
  // `?.`: when the start failed, its error is the one to read, not a TypeError from here.
  afterAll(async () => {
    await started?.close();
  });
  const suite: EmulatorSuite = {
    get emu() {
      if (started === undefined) throw new Error('emulatorForSuite: the emulator starts in beforeAll; read .emu in a hook or test, not while tests are collected');
      return started;
    },
    get env() {
      return { REFPLAN_BASE_URL: suite.emu.url, REFPLAN_TOKEN: token };
    },
    cliIn(dir) {
      const env = suite.env;
      return async (args, code = 0) => {
        const r = await runCli(args, { cwd: dir, env });
        expect(r.code, `refplan ${args.join(' ')}\n${r.stderr}`).toBe(code);
        return r;
      };
    },
  };
  return suite;
}
