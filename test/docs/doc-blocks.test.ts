import { spawn } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { builtCli, repoRoot } from '../helpers/run-cli.js';
import { tempTree } from '../helpers/temp-dir.js';
import { allDocBlocks, docBlocksIn } from './doc-blocks.js';

/** A port nobody listens on right now, for blocks that start their own emulator on the documented 4780. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/** Runs one block in bash, in a folder holding a copy of samples/, with `refplan` on PATH as the built CLI. */
async function runBlock(code: string, env: Record<string, string>, dir = tempTree()): Promise<{ code: number | null; output: string }> {
  cpSync(join(repoRoot, 'samples'), join(dir, 'samples'), { recursive: true });
  mkdirSync(join(dir, '.bin'), { recursive: true });
  const shim = join(dir, '.bin', 'refplan');
  writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" "${builtCli}" "$@"\n`);
  chmodSync(shim, 0o755);
  const base: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('REFPLAN_') && k !== 'FORCE_COLOR') base[k] = v;
  // A block that fails half-way must not leave its background emulator behind.
  const script = `set -euo pipefail\ntrap 'jobs -p | xargs -r kill 2>/dev/null || true' EXIT\n${code}\n`;
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', script], {
      cwd: dir,
      env: { ...base, NO_COLOR: '1', CI: 'true', PATH: `${join(dir, '.bin')}:${process.env['PATH'] ?? ''}`, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (exit) => {
      clearTimeout(timer);
      resolve({ code: exit, output });
    });
  });
}

describe('the shell blocks in README.md and docs/ run as written', () => {
  const blocks = allDocBlocks(repoRoot);

  it('include the README quick start and the CI guide', () => {
    expect(blocks.some((b) => b.file === 'README.md')).toBe(true);
    expect(blocks.some((b) => b.file.endsWith('running-in-ci.md'))).toBe(true);
  });

  it('finds markers and refuses a marker without a block', () => {
    const found = docBlocksIn('x.md', 'a\n<!-- doc-test: emulator, exit 3 -->\n```sh\nrefplan validate x\n```\n');
    expect(found).toEqual([{ file: 'x.md', line: 4, code: 'refplan validate x', emulator: true, exit: 3 }]);
    expect(() => docBlocksIn('x.md', '<!-- doc-test -->\ntext\n')).toThrow(/x\.md:1: a doc-test marker must stand right before/);
  });

  for (const block of blocks) {
    it(`${block.file}:${block.line}`, async () => {
      const port = await freePort();
      const code = block.code.replaceAll('4780', String(port));
      let env: Record<string, string> = {};
      let stop = async () => undefined as void;
      if (block.emulator) {
        const emulator = await startEmulator({ generate: 300, randomSeed: 7, log: () => undefined });
        env = { REFPLAN_BASE_URL: emulator.url, REFPLAN_TOKEN: 'docs-test-token' };
        stop = () => emulator.close();
      }
      try {
        const run = await runBlock(code, env);
        expect(run.code, `${block.file}:${block.line} exited ${run.code}:\n${run.output}`).toBe(block.exit);
      } finally {
        await stop();
      }
    }, 90_000);
  }
});

interface WorkflowStep { id?: string; run?: string; uses?: string }
interface Workflow { jobs: Record<string, { steps: WorkflowStep[] }> }

/** The example workflow's own commands, job by job, against an emulator (the `uses:` steps and the install are GitHub's). */
describe('the CI guide\'s workflow file', () => {
  it('runs its plan job and then its apply job as written', async () => {
    const workflow = parse(readFileSync(join(repoRoot, 'docs', 'examples', 'github-workflow.yml'), 'utf8')) as Workflow;
    expect(Object.keys(workflow.jobs)).toEqual(['plan', 'apply']);
    const emulator = await startEmulator({ generate: 300, randomSeed: 7, log: () => undefined });
    try {
      const dir = tempTree({
        'changes/review.yaml': 'changes:\n  - where: { status: Active, currency: EUR }\n    set: { notes: "Reviewed in CI" }\n',
      });
      const env = { REFPLAN_BASE_URL: emulator.url, REFPLAN_TOKEN: 'docs-test-token', GITHUB_STEP_SUMMARY: join(dir, 'summary.md') };
      const before = emulator.stats().commits.total;
      for (const [name, job] of Object.entries(workflow.jobs)) {
        const steps = job.steps.filter((s) => s.run !== undefined && s.id !== 'install');
        expect(steps.length, `${name} has commands`).toBeGreaterThan(0);
        for (const step of steps) {
          const code = (step.run ?? '').replace(/\$\{\{[^}]*\}\}/g, 'Pipeline review from CI');
          const run = await runBlock(code, env, dir);
          expect(run.code, `${name}: ${code}\n${run.output}`).toBe(0);
        }
      }
      expect(readFileSync(join(dir, 'summary.md'), 'utf8')).toContain('Pipeline review from CI');
      expect(emulator.stats().commits.total).toBeGreaterThan(before);
    } finally {
      await emulator.close();
    }
  }, 120_000);
});
