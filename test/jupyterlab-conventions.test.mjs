// JupyterLab conventions of issue #20 over the extension's source: context-menu items are
// declared in schema/plugin.json (`jupyter.lab.menus.context`, so users can hide them in
// the settings) and never added in code; every item names a command of `CommandIDs`;
// every command describes its arguments (`describedBy`); `CommandIDs` and the public
// tokens live in a module that imports no local module.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { root } from '../scripts/lab-launcher.mjs';

const SRC = join(root, 'src');
const sources = readdirSync(SRC, { recursive: true })
  .filter(f => String(f).endsWith('.ts'))
  .map(f => ({ file: `src/${f}`, text: readFileSync(join(SRC, String(f)), 'utf8') }));
const schema = JSON.parse(readFileSync(join(root, 'schema/plugin.json'), 'utf8'));
const tokens = readFileSync(join(SRC, 'tokens.ts'), 'utf8');
const commandIds = new Set(
  [
    ...tokens.slice(tokens.indexOf('export const CommandIDs')).matchAll(/:\s*'(globus-kit:[^']+)'/g)
  ].map(m => m[1])
);

describe('JupyterLab conventions (issue #20)', () => {
  it('should add no context-menu item in code', () => {
    const found = sources.filter(s => /contextMenu\s*\.\s*addItem/.test(s.text)).map(s => s.file);
    assert.deepEqual(found, []);
  });

  it('should declare the context-menu items in schema/plugin.json, each a known command', () => {
    const items = schema['jupyter.lab.menus']?.context ?? [];
    assert.ok(items.length >= 10, `only ${items.length} context-menu items declared`);
    assert.ok(commandIds.size > 30, `only ${commandIds.size} command ids read from tokens.ts`);
    for (const item of items) {
      assert.ok(commandIds.has(item.command), `${item.command} is not in CommandIDs`);
      assert.equal(typeof item.selector, 'string');
      assert.equal(typeof item.rank, 'number');
    }
    const seen = items.map(i => `${i.command} ${i.selector}`);
    assert.equal(new Set(seen).size, seen.length, 'an item is declared twice');
  });

  it('should describe the arguments of every command (describedBy)', () => {
    const missing = [];
    let count = 0;
    for (const { file, text } of sources) {
      const chunks = text.split(/commands\.addCommand\(/).slice(1);
      for (const chunk of chunks) {
        count++;
        // The options object: up to the next command (or the end of the file).
        const head = chunk.slice(0, chunk.search(/\n {2,4}\}\);/) + 1 || undefined);
        if (!/describedBy:/.test(head))
          missing.push(`${file}: ${chunk.slice(0, 40).split(',')[0]}`);
      }
    }
    assert.ok(count >= 20, `only ${count} addCommand calls found`);
    assert.deepEqual(missing, []);
  });

  it('should keep CommandIDs and the public tokens in a module without local imports', () => {
    const local = [...tokens.matchAll(/from\s+'(\.[^']*)'/g)].map(m => m[1]);
    assert.deepEqual(local, []);
    assert.match(tokens, /export const CommandIDs/);
  });
});
