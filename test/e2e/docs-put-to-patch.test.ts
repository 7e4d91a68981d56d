import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, it } from 'vitest';
import { tempTree } from '../helpers/temp-dir.js';

/** The putToPatch example in docs/guides/migrating-off-put.md runs as written against the built package, with plain node. */
it('docs putToPatch example runs and prints the documented ops', () => {
  const readme = readFileSync(resolve('docs/guides/migrating-off-put.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## putToPatch'));
  const code = /```js\n([\s\S]*?)```/.exec(section)?.[1];
  expect(code).toBeDefined();
  const entry = pathToFileURL(resolve('dist/src/index.js')).href;
  const dir = tempTree();
  const file = join(dir, 'example.mjs');
  writeFileSync(file, (code as string).replace("from 'refplan'", `from '${entry}'`));
  const out = execFileSync(process.execPath, [file], { encoding: 'utf8' }).split('\n');
  expect(JSON.parse(out[0] as string)).toEqual([
    { op: 'replace', path: '/details/dealValue', value: 50000 },
    { op: 'add', path: '/team/-', value: { email: 'joe.hansen@contoso.com', firstName: 'Joe' } },
  ]);
  expect(out).toEqual(expect.arrayContaining(['/id: assigned by the service', '/links: navigation links; must not be sent back']));
});
