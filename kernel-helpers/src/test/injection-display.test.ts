import assert from 'node:assert/strict';
import { escapeHtml, keyValueHtml, linkHtml, MAX_RUN_CHARS, textHtml } from '../display/html';
import { errorHtml } from '../display/error-html';
import { isBadInputError } from '../errors/bad-input-error';
import { requireCollectionPath } from '../services/collection-path';
import { encodeCollectionPath } from '../services/gcs/https-client';

const RLO = '\u202E';

describe('escapeHtml', () => {
  describe('#bidi', () => {
    it('should show every bidi control as its code point', () => {
      const controls = ['\u061C', '\u200E', '\u200F', '\u202A', '\u202B', '\u202C', '\u202D', RLO];
      const all = [...controls, '\u2066', '\u2067', '\u2068', '\u2069'].join('');
      const out = escapeHtml(`report${all}vsc.exe`);
      assert.doesNotMatch(out, /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/);
      assert.ok(out.startsWith('report[U+061C][U+200E]'));
      assert.ok(out.includes('[U+202E]') && out.endsWith('[U+2069]vsc.exe'));
    });
  });
});

describe('textHtml', () => {
  it('should leave short text as escapeHtml does', () => {
    assert.equal(textHtml('<b>a b</b>'), escapeHtml('<b>a b</b>'));
  });

  it('should cut a 5,000-character run in the middle and keep it whole in the title', () => {
    const long = `<img src=x>${'L'.repeat(5000)}${RLO}end`;
    const out = textHtml(long);
    assert.ok(out.startsWith('<span class="jp-GlobusKit-Cut" title="&lt;img src=x&gt;LLL'));
    assert.ok(out.includes(`${'L'.repeat(4000)}[U+202E]end">`), 'the title holds all of it');
    const shown = out.slice(out.indexOf('">') + 2, -'</span>'.length);
    assert.ok(shown.length < MAX_RUN_CHARS + 20, `shown ${shown.length} characters`);
    assert.ok(shown.includes('…') && shown.endsWith('[U+202E]end'));
  });
});

describe('linkHtml', () => {
  it('should never link javascript:, data: or relative URLs', () => {
    for (const url of ['javascript:alert(1)', 'JaVaScRiPt:alert(1)', 'data:text/html,x', '/x']) {
      assert.ok(!linkHtml('x', url)['text/html'].includes('href='), url);
    }
  });

  it('should percent-encode a bidi control in an href', () => {
    const html = linkHtml('x', `https://example.org/a${RLO}b`)['text/html'];
    assert.ok(html.includes('href="https://example.org/a%E2%80%AEb"'));
  });
});

describe('keyValueHtml and errorHtml', () => {
  it('should cut long values and messages', () => {
    const long = 'N'.repeat(5000);
    for (const html of [
      keyValueHtml({ Name: long })['text/html'],
      errorHtml(new Error(`collection '${long}' not found`))['text/html']
    ]) {
      const text = html.replace(/<[^>]*>/g, ' ');
      assert.ok(!text.includes('N'.repeat(MAX_RUN_CHARS + 1)), html.slice(0, 200));
    }
  });
});

describe('requireCollectionPath', () => {
  it('should refuse .., NUL, control characters, relative and over-long paths', () => {
    for (const p of [
      '/a/../b',
      '/..',
      '..',
      'a/b',
      '/a\u0000b',
      '/a\nb',
      `/${'a'.repeat(5000)}`,
      5
    ]) {
      assert.throws(
        () => requireCollectionPath(p),
        e => isBadInputError(e) && e.code === 'BAD_PATH'
      );
      assert.throws(() => encodeCollectionPath(p as string), isBadInputError);
    }
  });

  it('should accept names that only look like traversal', () => {
    for (const p of [
      '/~/',
      '/a/..b/',
      '/a/..%2f..%2fx',
      '/a/.../b',
      `/a/${RLO}x`,
      '/a/<img>.csv'
    ]) {
      assert.doesNotThrow(() => requireCollectionPath(p), p);
    }
  });
});
