import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import bundled from '@sparticuz/chromium';
import { chromium, type Browser } from 'playwright-core';
import { onTestFinished } from 'vitest';

/**
 * The one way browser tests get a real Chromium. A system one is preferred (REFPLAN_CHROMIUM, else
 * /usr/bin/chromium); without one, the Chromium that ships inside the @sparticuz/chromium npm package,
 * so `npm install && npm test` needs nothing but Node and npm.
 */

// A closed network: nothing in a page may reach out, and the browser itself must not either.
const QUIET = ['--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SYSTEM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', ...QUIET];
// The package's serverless flags, less the two that would make our pages less strict than a user's
// browser: the tests prove a report loads nothing and keeps its CSP, which they must not weaken.
const WEAKENING = new Set(['--disable-web-security', '--allow-running-insecure-content']);

export interface BrowserBinary {
  executablePath: string;
  args: string[];
  env?: Record<string, string>;
  source: 'REFPLAN_CHROMIUM' | 'system' | '@sparticuz/chromium';
}

export async function findBrowser(env: NodeJS.ProcessEnv = process.env): Promise<BrowserBinary> {
  const chosen = env['REFPLAN_CHROMIUM'];
  if (chosen !== undefined && chosen !== '') {
    if (!existsSync(chosen)) throw new Error(`REFPLAN_CHROMIUM is ${chosen}, which does not exist. Unset it to use the bundled Chromium.`);
    return { executablePath: chosen, args: SYSTEM_ARGS, source: 'REFPLAN_CHROMIUM' };
  }
  if (existsSync('/usr/bin/chromium')) return { executablePath: '/usr/bin/chromium', args: SYSTEM_ARGS, source: 'system' };
  return bundledBrowser();
}

/** Launches a headless browser that is closed when the current test finishes. */
export async function launchBrowser(): Promise<Browser> {
  const found = await findBrowser();
  const browser = await chromium.launch({
    executablePath: found.executablePath,
    args: found.args,
    headless: true,
    ...(found.env ? { env: { ...process.env, ...found.env } } : {}),
  });
  onTestFinished(() => browser.close());
  return browser;
}

/**
 * The package unpacks itself into os.tmpdir() and trusts whatever it finds there: a half-written
 * binary from a killed run, a racing worker, or another user's file in a shared /tmp. So it is unpacked
 * into a private staging folder under node_modules/.cache, and moved into place in one rename.
 */
async function bundledBrowser(): Promise<BrowserBinary> {
  const { nodeModules, packageDir } = packageRoot();
  const version = (JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string }).version;
  const home = join(nodeModules, '.cache', `refplan-chromium-${version}`);
  if (!existsSync(join(home, 'ready'))) await unpackInto(home);
  return {
    executablePath: join(home, 'chromium'),
    args: [...bundled.args.filter((a) => !WEAKENING.has(a)), ...QUIET],
    env: { FONTCONFIG_PATH: join(home, 'fontconfig') },
    source: '@sparticuz/chromium',
  };
}

async function unpackInto(home: string): Promise<void> {
  const staging = `${home}.${process.pid}.${Date.now()}.tmp`;
  mkdirSync(staging, { recursive: true, mode: 0o700 });
  const savedTmp = process.env['TMPDIR'];
  try {
    process.env['TMPDIR'] = staging; // the package unpacks into os.tmpdir(), read at call time
    const exe = await bundled.executablePath();
    if (dirname(exe) !== staging) throw new Error(`@sparticuz/chromium unpacked to ${exe}, not into ${staging}`);
  } finally {
    if (savedTmp === undefined) delete process.env['TMPDIR'];
    else process.env['TMPDIR'] = savedTmp;
  }
  // The package's fonts.conf names /tmp/fonts; point fontconfig at the fonts where they now are.
  mkdirSync(join(staging, 'fontconfig'));
  writeFileSync(join(staging, 'fontconfig', 'fonts.conf'), `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n  <dir>${join(home, 'fonts')}</dir>\n  <cachedir>${join(home, 'fonts-cache')}</cachedir>\n</fontconfig>\n`);
  writeFileSync(join(staging, 'ready'), '');
  try {
    renameSync(staging, home);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    // Another worker finished first: its copy is complete (it has `ready`), so use it.
    if (!existsSync(join(home, 'ready'))) throw error;
  }
}

/** The node_modules folder that holds @sparticuz/chromium, and the package's own folder. */
function packageRoot(): { nodeModules: string; packageDir: string } {
  const entry = createRequire(import.meta.url).resolve('@sparticuz/chromium');
  const marker = join(sep, 'node_modules', '@sparticuz', 'chromium', sep);
  const at = entry.lastIndexOf(marker);
  if (at < 0) throw new Error(`@sparticuz/chromium resolved to ${entry}, outside a node_modules folder`);
  const nodeModules = entry.slice(0, at + join(sep, 'node_modules').length);
  return { nodeModules, packageDir: join(nodeModules, '@sparticuz', 'chromium') };
}
