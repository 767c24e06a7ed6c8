// Shared by the injection suites: the hostile names, the emulator seeding through its admin
// origin, and an HTML checker that allows only the markup our display builders emit.

/** A tag that runs script when its `src` fails to load. */
export const IMG = '<img src=x onerror=alert(1)>';
/** Closes an attribute and adds a handler. */
export const ATTR = '" onmouseover="alert(1)" x="';
/** Right-to-left override: `report‮vsc.exe` reads as `reportexe.csv`. */
export const RLO = '\u202E';
/** Every bidirectional control character (embeddings, overrides, isolates, marks). */
export const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/;
/** A name far longer than any view has room for. */
export const LONG = `long-${'L'.repeat(5000)}-end`;

/** Hostile file names (each a valid single POSIX name: no `/`, at most 255 bytes). */
export const FILE_NAMES = [
  `${IMG}.csv`,
  `${ATTR}.csv`,
  `javascript:alert(1).csv`,
  `report${RLO}vsc.exe`,
  `<svg onload=alert(1)>.txt`,
  `..%2f..%2fescape.csv`,
  `${'N'.repeat(240)}.csv`
];

/** A hostile collection display name: HTML, a script URL, RTL, traversal and 5,000 chars. */
export const COLLECTION_NAME = `<script>alert(1)</script>${IMG} javascript:alert(1) ${RLO}gnp.exe ../../etc/passwd ${LONG}`;

/** Hostile identity fields for the demo user. */
export const IDENTITY = {
  name: `<script>alert('name')</script>${IMG}${RLO}rehcraeseR ${LONG}`,
  organization: 'javascript:alert(1)//<b>Org</b>',
  email: `"><svg onload=alert(1)>@example.org`
};

/**
 * Seed the emulator through its admin origin: the demo identity gets hostile fields, a new
 * public collection gets a hostile name and the hostile files under `/dir/`.
 *
 * @param {string} adminUrl - the emulator's admin origin
 * @param {string} demoIdentityId - the demo user's identity id
 * @returns {Promise<{ id: string, https_server: string }>} the new collection
 */
export async function seedHostileWorld(adminUrl, demoIdentityId) {
  const call = async (method, path, body) => {
    const r = await fetch(`${adminUrl}${path}`, {
      method,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000)
    });
    const doc = await r.json();
    if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(doc)}`);
    return doc;
  };
  await call('PATCH', `/seed/identities/${demoIdentityId}`, IDENTITY);
  const files = Object.fromEntries(FILE_NAMES.map(n => [`/dir/${n}`, 'a,b\n1,2\n']));
  files[`/csv/${IMG}.csv`] = `${IMG},<script>x</script>\n1,${ATTR}\n`;
  return call('POST', '/seed/collections', {
    display_name: COLLECTION_NAME,
    organization: `<b>Org</b> javascript:alert(1)`,
    description: `${IMG} ${RLO}`,
    keywords: 'injection,hostile',
    files
  });
}

/** Tags our builders emit, and the attributes they may carry. */
const ALLOWED_TAGS = new Set([
  'a',
  'br',
  'caption',
  'code',
  'details',
  'div',
  'li',
  'progress',
  'span',
  'strong',
  'summary',
  'table',
  'tbody',
  'td',
  'th',
  'thead',
  'tr',
  'ul',
  'img'
]);
const ALLOWED_ATTRS = new Set([
  'class',
  'href',
  'target',
  'rel',
  'title',
  'scope',
  'colspan',
  'role',
  'value',
  'max',
  'aria-label',
  'alt',
  'src',
  'style',
  'open',
  'data-task-id',
  'width',
  'height'
]);

/**
 * Problems with one HTML output: any tag or attribute our builders never emit, an event
 * handler, a non-http(s) href, an `img` whose src is not `data:image/…`, a raw bidi
 * control, or a text run (outside tags) longer than `maxRun` characters.
 *
 * @param {string} html
 * @param {{ maxRun?: number }} [options]
 * @returns {string[]} the problems (empty when safe)
 */
export function htmlProblems(html, { maxRun = 400 } = {}) {
  const problems = [];
  const tagRe = /<\/?([a-zA-Z][a-zA-Z0-9-]*)((?:[^>"']|"[^"]*"|'[^']*')*)>/g;
  for (const m of html.matchAll(tagRe)) {
    const tag = m[1].toLowerCase();
    if (!ALLOWED_TAGS.has(tag)) problems.push(`tag <${tag}>`);
    const attrRe = /([^\s=/]+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s"'>]+))?/g;
    for (const a of m[2].matchAll(attrRe)) {
      const name = a[1].toLowerCase();
      const value = (a[2] ?? '').replace(/^["']|["']$/g, '');
      if (!ALLOWED_ATTRS.has(name) || name.startsWith('on')) problems.push(`attribute ${name}`);
      if (name === 'href' && !/^https?:\/\//i.test(value))
        problems.push(`href ${value.slice(0, 40)}`);
      if (name === 'src' && !/^data:image\//.test(value))
        problems.push(`src ${value.slice(0, 40)}`);
      if (name === 'style' && /url\(|expression/i.test(value))
        problems.push(`style ${value.slice(0, 40)}`);
    }
  }
  if (BIDI.test(html)) problems.push('raw bidi control character');
  const text = html.replace(tagRe, ' ');
  const longest = text.split(/\s+/).reduce((n, w) => Math.max(n, w.length), 0);
  if (longest > maxRun) problems.push(`a ${longest}-character unbroken text run`);
  return problems;
}

/** The HTML-escaped form of text, as our builders escape it. */
export function escaped(text) {
  return text.replace(
    /[&<>"']/g,
    c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]
  );
}
