import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { repoRoot } from '../helpers/run-cli.js';
import { tempTree } from '../helpers/temp-dir.js';
import { outputMatches, scanAllDocs, scanDoc, type DocBlock } from './doc-blocks.js';
import { ShellSession } from './shell-session.js';

/** The ports the docs use: the emulator's 4780 and the proxy's 7071. Each guide gets free ones instead. */
const DOC_PORTS = ['4780', '7071'];
/** `PORT` after a colon or a space (`127.0.0.1:4780`, `--port 4780`), not inside an id or a number. */
const portIn = (port: string): RegExp => new RegExp(`(?<=[:\\s])${port}(?!\\d)`, 'g');

/** A port nobody listens on right now. */
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

/** At most this many guides run at once: each is a shell spawning CLIs on a 2-core machine. */
const PARALLEL = 2;
let running = 0;
const queue: (() => void)[] = [];
async function slot<T>(work: () => Promise<T>): Promise<T> {
  while (running >= PARALLEL) await new Promise<void>((resolve) => queue.push(resolve));
  running++;
  try {
    return await work();
  } finally {
    running--;
    queue.shift()?.();
  }
}

/** Output a block that starts `refplan emulator … &` waits for, as a reader waits to see it. */
const EMULATOR_READY = 'stop with Ctrl+C';
const startsEmulator = (code: string): boolean => /^\s*refplan emulator\b[^\n#]*&\s*(#.*)?$/m.test(code);

describe('the doc-test markers', () => {
  it('are read with their options, and the text block after a block is its output', () => {
    const { blocks, problems } = scanDoc(
      'x.md',
      'a\n<!-- doc-test: emulator, exit 3 -->\n```sh\nrefplan validate x\n```\n\n```text\nout\n```\n<!-- doc-test: skip, PowerShell -->\n```sh\ndir\n```\n',
    );
    expect(problems).toEqual([]);
    expect(blocks).toEqual([
      { file: 'x.md', line: 4, code: 'refplan validate x', run: true, emulator: true, exit: 3, expected: { line: 8, text: 'out' } },
      { file: 'x.md', line: 12, code: 'dir', run: false, emulator: false, exit: 0, skip: 'PowerShell' },
    ]);
  });

  it('refuse an unmarked shell block, a skip without a reason, a stray marker and a "$ command" nobody runs', () => {
    const { problems } = scanDoc(
      'x.md',
      '```bash\nls\n```\n<!-- doc-test: skip -->\n```sh\nls\n```\n<!-- doc-test -->\ntext\n```\n$ refplan show p.json\n```\n```powershell\ndir\n```\n<!-- doc-test -->\n```pwsh\ndir\n```\n',
    );
    expect(problems).toEqual([
      expect.stringMatching(/^x\.md:1: a ```bash block without a doc-test marker/),
      expect.stringMatching(/^x\.md:5: "doc-test: skip" needs a reason/),
      expect.stringMatching(/^x\.md:8: a doc-test marker must stand on the line right before a ```sh block/),
      expect.stringMatching(/^x\.md:11: a command shown as "\$ …" output is never run/),
      expect.stringMatching(/^x\.md:13: a ```powershell block without a doc-test marker/),
      expect.stringMatching(/^x\.md:17: a ```pwsh block cannot run in bash/),
    ]);
  });

  it('read indented blocks inside a list item', () => {
    const { blocks } = scanDoc('x.md', '- step\n\n  <!-- doc-test -->\n  ```sh\n  echo hi\n  ```\n\n  ```text\n  hi\n  ```\n');
    expect(blocks.map((b) => [b.code, b.expected?.text])).toEqual([['echo hi', 'hi']]);
  });

  it('match output with … standing for any text', () => {
    expect(outputMatches('Wrote …/p.json\n…\ndone', 'Wrote /tmp/x/p.json\na\nb\ndone\n')).toBe(true);
    expect(outputMatches('…\ndone', 'done')).toBe(true);
    expect(outputMatches('Wrote …/p.json', 'Wrote /tmp/x/q.json')).toBe(false);
    expect(outputMatches('a\nb', 'a\nb\nc')).toBe(false);
    expect(outputMatches('a\n…\nb', 'a\nb')).toBe(true);
    // Many … lines against a long output that does not match: line by line, not a regex that backtracks for ever.
    expect(outputMatches(`${'x\n…\n'.repeat(30)}never`, 'x\n'.repeat(3000))).toBe(false);
  });

  it('run in one shell: exports and files carry over, stdin is empty, the status is the first failing command', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'refplan-session-'));
    const session = new ShellSession(dir, {});
    try {
      expect(await session.run('export GREETING=hello\necho one > f.txt')).toEqual({ status: 0, output: '' });
      expect(await session.run('cat')).toEqual({ status: 0, output: '' });
      expect(await session.run('echo "$GREETING $(cat f.txt)" >&2\n(exit 3)\nfalse\necho still runs')).toEqual({ status: 3, output: 'hello one\nstill runs\n' });
      expect(await session.run('refplan --version')).toMatchObject({ status: 0, output: expect.stringMatching(/^\d+\.\d+\.\d+\n$/) });
    } finally {
      await session.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stand before every shell block in README.md and docs/, and a skip says why', () => {
    const { blocks, problems } = scanAllDocs(repoRoot);
    expect(problems).toEqual([]);
    expect(blocks.filter((b) => b.run).length).toBeGreaterThan(20);
    for (const b of blocks.filter((b) => !b.run)) expect(b.skip, `${b.file}:${b.line}`).toMatch(/\w{3,}/);
  });
});

const byFile = new Map<string, DocBlock[]>();
for (const block of scanAllDocs(repoRoot).blocks.filter((b) => b.run)) byFile.set(block.file, [...(byFile.get(block.file) ?? []), block]);

describe.concurrent('the shell blocks of each guide run in order in one terminal and print what the guide shows', () => {
  for (const [file, blocks] of byFile) {
    it(file, () =>
      slot(async () => {
        const ports = new Map<string, string>();
        for (const documented of DOC_PORTS) ports.set(documented, String(await freePort()));
        const toFree = (code: string): string => [...ports].reduce((text, [documented, free]) => text.replace(portIn(documented), free), code);
        const toDocumented = (text: string): string => [...ports].reduce((t, [documented, free]) => t.replace(portIn(free), documented), text);
        const emulator = blocks.some((b) => b.emulator) ? await startEmulator({ generate: 500, log: () => undefined }) : undefined;
        const dir = mkdtempSync(join(tmpdir(), 'refplan-guide-'));
        cpSync(join(repoRoot, 'samples'), join(dir, 'samples'), { recursive: true });
        const env: Record<string, string> = emulator === undefined ? {} : { REFPLAN_BASE_URL: emulator.url, REFPLAN_TOKEN: 'docs-test-token' };
        const session = new ShellSession(dir, env);
        try {
          for (const block of blocks) {
            const where = `${file}:${block.line}`;
            const run = await session.run(toFree(block.code), startsEmulator(block.code) ? { readyText: EMULATOR_READY } : {});
            const output = toDocumented(run.output).replaceAll(dir, '~/guide');
            // For whoever writes the docs: DOC_TEST_OUTPUT=FILE collects what every block printed.
            const log = process.env['DOC_TEST_OUTPUT'];
            if (log !== undefined) appendFileSync(log, `=== ${where} (exit ${run.status})\n${output}\n`);
            expect(run.status, `${where} exited ${run.status}, the doc says ${block.exit}:\n${output}`).toBe(block.exit);
            if (block.expected !== undefined) {
              expect(outputMatches(block.expected.text, output), `${where} printed:\n${output}\n--- but ${file}:${block.expected.line} shows:\n${block.expected.text}`).toBe(true);
            }
          }
        } finally {
          await session.close();
          await emulator?.close();
          rmSync(dir, { recursive: true, force: true });
        }
      }),
    // Generous: the time a guide waits for its turn counts too, and the suite runs on a busy 2-core machine.
    300_000);
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
    const dir = tempTree({
      'changes/review.yaml': 'changes:\n  - where: { status: Active, currency: EUR }\n    set: { notes: "Reviewed in CI" }\n',
    });
    const session = new ShellSession(dir, { REFPLAN_BASE_URL: emulator.url, REFPLAN_TOKEN: 'docs-test-token', GITHUB_STEP_SUMMARY: join(dir, 'summary.md') });
    try {
      const before = emulator.stats().commits.total;
      for (const [name, job] of Object.entries(workflow.jobs)) {
        const steps = job.steps.filter((s) => s.run !== undefined && s.id !== 'install');
        expect(steps.length, `${name} has commands`).toBeGreaterThan(0);
        for (const step of steps) {
          // Each step of a workflow is its own `bash -e` shell.
          const code = `( set -e\n${(step.run ?? '').replace(/\$\{\{[^}]*\}\}/g, 'Pipeline review from CI')}\n)`;
          const run = await session.run(code);
          expect(run.status, `${name}: ${code}\n${run.output}`).toBe(0);
        }
      }
      expect(readFileSync(join(dir, 'summary.md'), 'utf8')).toContain('Pipeline review from CI');
      expect(emulator.stats().commits.total).toBeGreaterThan(before);
    } finally {
      await session.close();
      await emulator.close();
    }
  }, 120_000);
});
