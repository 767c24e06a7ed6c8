import assert from 'node:assert/strict';
import {
  escapeHtml,
  formatBytes,
  HtmlBundle,
  keyValueHtml,
  linkHtml,
  textHtml
} from '../display/html';
import { tableHtml } from '../display/table-html';
import { progressHtml } from '../display/progress-html';
import { errorHtml } from '../display/error-html';
import { Table } from '../flow/table';
import { CsvError } from '../errors/csv-error';
import { ConsentRequiredError } from '../errors/consent-required-error';
import { TokenExpiredError } from '../errors/token-expired-error';
import { AbortError, NetworkError, TimeoutError } from '../errors/network-error';
import { GlobusApiError } from '../errors/api-error';
import { BadInputError } from '../errors/bad-input-error';
import { GlobusDataError } from '../errors/globus-data-error';
import { GlobusKitError } from '../errors/globus-kit-error';
import { LoginError } from '../login/login-error';
import { OidcError } from '../oidc/oidc-error';
import { WorkspaceError } from '../workspaces/workspace-error';

const XSS = '<img src=x onerror=alert(1)>';

/** No element can run code: no script tags, no on* attributes, no javascript: URLs. */
function assertInert(html: string): void {
  assert.doesNotMatch(html, /<script/i);
  assert.doesNotMatch(html, /<[^>]*\son\w+\s*=/i, 'no event-handler attribute inside a tag');
  assert.doesNotMatch(html, /<img/i);
  assert.doesNotMatch(html, /href="(?!https?:)/i);
}

describe('escapeHtml', () => {
  it('should escape the five HTML-special characters', () => {
    assert.equal(
      escapeHtml(`<a href="x">'&'</a>`),
      '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;'
    );
  });

  it('should leave an injected tag as text', () => {
    assert.equal(escapeHtml(XSS), '&lt;img src=x onerror=alert(1)&gt;');
  });
});

describe('linkHtml', () => {
  it('should link an https URL in a new tab, escaped', () => {
    const b = linkHtml('1952 "data"', 'https://example.org/a?b=1&c=<2>');
    assert.equal(
      b['text/html'],
      '<a class="jp-GlobusKit-Link" href="https://example.org/a?b=1&amp;c=&lt;2&gt;" target="_blank" rel="noopener noreferrer">1952 &quot;data&quot;</a>'
    );
    assert.equal(b['text/plain'], '1952 "data" <https://example.org/a?b=1&c=<2>>');
  });

  for (const url of [
    'javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    'data:text/html,<b>x</b>',
    '/relative',
    'vbscript:x'
  ]) {
    it(`should render ${url} as text, not a link`, () => {
      const html = linkHtml(XSS, url)['text/html'];
      assert.doesNotMatch(html, /<a\s/);
      assert.ok(html.includes(escapeHtml(url)));
      assertInert(html);
    });
  }
});

describe('keyValueHtml', () => {
  it('should escape text values and nest bundles without escaping them again', () => {
    const b = keyValueHtml(
      [
        ['Name', XSS],
        ['Link', linkHtml('app', 'https://app.globus.org/')],
        ['When', new Date(Date.UTC(1952, 0, 1))],
        ['Missing', null]
      ],
      { title: 'Identity <card>' }
    );
    const html = b['text/html'];
    assertInert(html);
    assert.ok(html.includes('<td>&lt;img src=x onerror=alert(1)&gt;</td>'));
    assert.ok(html.includes('<a class="jp-GlobusKit-Link" href="https://app.globus.org/"'));
    assert.ok(html.includes('<td>1952-01-01</td>'));
    assert.ok(html.includes('<caption>Identity &lt;card&gt;</caption>'));
    assert.equal(
      b['text/plain'],
      `Identity <card>\nName: ${XSS}\nLink: app <https://app.globus.org/>\nWhen: 1952-01-01\nMissing: —`
    );
  });

  it('should not trust an object that merely looks like a bundle', () => {
    const fake = { 'text/html': XSS, 'text/plain': 'x' } as unknown as HtmlBundle;
    const html = keyValueHtml({ v: fake })['text/html'];
    assertInert(html);
  });
});

describe('tableHtml', () => {
  const n = 20;
  const table = Table.fromColumns({
    DATE: Array.from({ length: n }, (_, i) => new Date(Date.UTC(1952, 0, 1 + i))),
    TMAX: Array.from({ length: n }, (_, i) => (i === 1 ? null : 50 + i)),
    NOTE: Array.from({ length: n }, (_, i) => (i === 0 ? XSS : `n${i}`))
  });

  it('should show shape, types, head and tail rows with a gap row', () => {
    const b = tableHtml(table, { head: 2, tail: 2 });
    const html = b['text/html'];
    assertInert(html);
    assert.ok(html.includes('<caption>20 rows × 3 columns</caption>'));
    assert.ok(html.includes('TMAX<br><span class="jp-GlobusKit-ColumnType">integer</span>'));
    assert.ok(html.includes('16 more rows'));
    assert.equal((html.match(/<tr><th scope="row">\d+<\/th>/g) ?? []).length, 4);
    assert.ok(html.includes('<th scope="row">19</th>'));
    assert.ok(!html.includes('<th scope="row">2</th>'));
    assert.ok(html.includes('<td class="jp-GlobusKit-Null">null</td>'));
    assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'));
    const text = b['text/plain'].split('\n');
    assert.equal(text[0], '20 rows × 3 columns');
    assert.match(text[1], /DATE \(date\)\s+TMAX \(integer\)\s+NOTE \(string\)/);
    assert.match(text[2], /^0\s+1952-01-01\s+50\s+<img/);
    assert.equal(text.length, 2 + 2 + 1 + 2);
  });

  it('should show every row without a gap when the table is small', () => {
    const html = tableHtml(table.head(4))['text/html'];
    assert.ok(!html.includes('more rows'));
    assert.equal((html.match(/<tr><th scope="row">\d+<\/th>/g) ?? []).length, 4);
  });

  it('should list the first warnings and count the rest', () => {
    const warned = new Table(
      [{ name: 'a', storage: { type: 'number', values: new Float64Array([1]) } }],
      {
        warnings: [{ code: 'RAGGED_ROW', message: `row 3: ${XSS}`, row: 3 }],
        warningCount: 7
      }
    );
    const b = tableHtml(warned, { warnings: 1 });
    assertInert(b['text/html']);
    assert.ok(b['text/html'].includes('<summary>7 warnings</summary>'));
    assert.ok(b['text/html'].includes('… and 6 more'));
    assert.ok(b['text/plain'].includes('7 warning(s):'));
  });
});

describe('progressHtml', () => {
  it('should show percent, bytes of total, rows and rate with a bar', () => {
    const b = progressHtml({
      label: 'Downloading <1952.csv>',
      bytes: 2_500_000,
      totalBytes: 10_000_000,
      rows: 12345,
      rate: 1_250_000
    });
    assert.equal(
      b['text/plain'],
      'Downloading <1952.csv>: 25% · 2.50 MB of 10.0 MB · 12,345 rows · 1.25 MB/s'
    );
    assert.ok(b['text/html'].includes('width:25.0%'));
    assert.ok(b['text/html'].includes('Downloading &lt;1952.csv&gt;'));
    assertInert(b['text/html']);
  });

  it('should show a full bar when done and no bar while the total is unknown', () => {
    assert.ok(
      progressHtml({ label: 'x', bytes: 5, status: 'done' })['text/html'].includes('width:100.0%')
    );
    assert.ok(!progressHtml({ label: 'x', bytes: 5 })['text/html'].includes('ProgressTrack'));
    assert.equal(
      progressHtml({ label: 'x', files: 2, totalFiles: 4, status: 'cancelled' })['text/plain'],
      'x: 50% · 2 of 4 files · cancelled'
    );
  });
});

describe('formatBytes', () => {
  it('should use powers of 1000', () => {
    assert.deepEqual([0, 999, 1000, 1_500_000, 2e12].map(formatBytes), [
      '0 B',
      '999 B',
      '1.00 kB',
      '1.50 MB',
      '2.00 TB'
    ]);
  });
});

describe('errorHtml', () => {
  it('should title every error class as before the classes named their own titles (#20)', () => {
    const cases: [unknown, string][] = [
      [
        new GlobusApiError({
          status: 502,
          service: 'transfer',
          operation: 'list',
          requestId: 'req-42'
        }),
        'Globus request failed'
      ],
      [new NetworkError('The connection was reset.'), 'Network problem'],
      [new TimeoutError('No answer in 5 s.', 5000), 'Network problem'],
      [
        new GlobusDataError('Bad base64.', { reason: 'bad-base64' }),
        'Could not read the Globus login data'
      ],
      [new BadInputError('No path.'), 'Bad input'],
      [new GlobusKitError('No login.', { code: 'NO_CREDENTIALS' }), 'No Globus credentials'],
      [new GlobusKitError('Something.'), 'Error'],
      [new AbortError('aborted at byte 7'), 'Cancelled']
    ];
    for (const [err, title] of cases) {
      const b = errorHtml(err);
      assert.ok(
        b['text/html'].startsWith(
          `<div class="jp-GlobusKit-Error" role="alert"><strong>${title}</strong>`
        ),
        b['text/html']
      );
      assert.ok(b['text/plain'].startsWith(`${title}: `), b['text/plain']);
    }
    const api = errorHtml(cases[0][0])['text/plain'];
    assert.match(api, /\(request id req-42\)\n\(API_ERROR\)$/);
    assert.equal(
      errorHtml(cases[7][0])['text/plain'],
      'Cancelled: The operation was cancelled; nothing partial was kept.'
    );
    const consent = new ConsentRequiredError({
      requiredScopes: ['s'],
      authorizationParameters: {},
      consentUrl: 'https://auth.globus.org/x'
    });
    assert.equal(
      errorHtml(consent)['text/html'],
      '<div class="jp-GlobusKit-Error" role="alert"><strong>Consent needed</strong>' +
        `<div>${textHtml(consent.message)}</div>` +
        `<div>${linkHtml('Grant consent in Globus', 'https://auth.globus.org/x')['text/html']}</div>` +
        '<div class="jp-GlobusKit-ErrorCode"><code>CONSENT_REQUIRED</code></div></div>'
    );
  });

  it('should title login, identity-provider and workspace errors by what failed', () => {
    const cases: [Error, string, string][] = [
      [
        new LoginError({
          code: 'TOKEN_FILE_CORRUPT',
          message: 'The token file is damaged.',
          remedy: 'Log in again.'
        }),
        'Globus login problem',
        'TOKEN_FILE_CORRUPT'
      ],
      [
        new OidcError({
          code: 'OIDC_NOT_CONFIGURED',
          message: 'No issuer.',
          remedy: 'Set GLOBUS_KIT_OIDC_ISSUER.'
        }),
        'Login with your identity provider failed',
        'OIDC_NOT_CONFIGURED'
      ],
      [
        new WorkspaceError({
          code: 'PLATFORM_NOT_CONFIGURED',
          message: 'No platform.',
          remedy: 'Set GLOBUS_KIT_PLATFORM_URL.'
        }),
        'Workspace storage problem',
        'PLATFORM_NOT_CONFIGURED'
      ]
    ];
    for (const [err, title, code] of cases) {
      const html = errorHtml(err)['text/html'];
      assertInert(html);
      assert.ok(html.includes(`<strong>${title}</strong>`), html);
      assert.ok(html.includes(`<code>${code}</code>`), html);
      assert.ok(html.includes(err.message.split(' ')[0]), html);
    }
  });

  it('should show a consent error with a working link and its code', () => {
    const err = new ConsentRequiredError({
      requiredScopes: ['urn:globus:auth:scope:transfer.api.globus.org:all'],
      authorizationParameters: {},
      consentUrl: 'https://auth.globus.org/v2/oauth2/authorize?scope=a&b=c'
    });
    const b = errorHtml(err);
    assertInert(b['text/html']);
    assert.ok(b['text/html'].includes('<strong>Consent needed</strong>'));
    assert.ok(
      b['text/html'].includes('href="https://auth.globus.org/v2/oauth2/authorize?scope=a&amp;b=c"')
    );
    assert.ok(b['text/html'].includes('<code>CONSENT_REQUIRED</code>'));
  });

  it('should not link a consent URL that is not http(s)', () => {
    const err = new ConsentRequiredError({
      requiredScopes: [],
      authorizationParameters: {},
      consentUrl: 'javascript:alert(1)'
    });
    const html = errorHtml(err)['text/html'];
    assertInert(html);
    assert.doesNotMatch(html, /<a\s/);
  });

  it('should show the remedy of an expired token and the reason of a CSV error', () => {
    const expired = errorHtml(
      new TokenExpiredError({ resourceServer: 'transfer.api.globus.org', source: 'hub' })
    );
    assert.ok(
      expired['text/plain'].startsWith(
        'Login expired: the token for transfer.api.globus.org has expired.'
      )
    );
    assert.ok(expired['text/plain'].includes('Hub Control Panel'));
    const csv = errorHtml(
      new CsvError('The CSV body is empty: there is no header row.', { reason: 'no-header' })
    );
    assert.equal(
      csv['text/plain'],
      'Could not read the CSV: The CSV body is empty: there is no header row.\n(CSV_INVALID)'
    );
  });

  it('should show a cancel as such', () => {
    assert.ok(errorHtml(new AbortError())['text/plain'].startsWith('Cancelled:'));
    assert.ok(
      errorHtml(new DOMException('x', 'AbortError'))['text/plain'].startsWith('Cancelled:')
    );
  });

  it('should never show a stack, and escape foreign messages', () => {
    const foreign = new TypeError(`bad ${XSS}`);
    const b = errorHtml(foreign);
    assertInert(b['text/html']);
    assert.ok(!b['text/html'].includes(' at '), 'no stack frames');
    assert.ok(!b['text/plain'].includes(foreign.stack!.split('\n')[1].trim()));
    assert.equal(b['text/plain'], `TypeError: bad ${XSS}`);
    assert.ok(errorHtml('x'.repeat(2000))['text/plain'].length < 600);
  });
});
