/**
 * Safe HTML building blocks for rich notebook output.
 *
 * Every piece of text that reaches HTML goes through {@link escapeHtml}; markup is only
 * ever produced by the functions of this folder and travels as an {@link HtmlBundle}, so
 * a caller can nest one builder's output in another's without the inner HTML being
 * escaped twice — and a plain string, whatever it contains, is always escaped. No
 * builder emits a script, an event-handler attribute or a non-http(s) link.
 */

/** A Jupyter MIME bundle with an HTML view and a plain-text fallback. */
export interface IMimeBundle {
  readonly 'text/html': string;
  readonly 'text/plain': string;
}

/**
 * Output of this folder's builders: HTML made only from escaped text, plus plain text.
 * Being an instance of this class is what marks HTML as safe to nest.
 */
export class HtmlBundle implements IMimeBundle {
  readonly 'text/html': string;
  readonly 'text/plain': string;

  /**
   * Only this folder's builders should construct one: `html` must be built from escaped text.
   *
   * @param html - the markup
   * @param text - the plain-text rendering
   */
  constructor(html: string, text: string) {
    this['text/html'] = html;
    this['text/plain'] = text;
  }

  /** The plain-text view (what `console.log` and `String()` show). */
  toString(): string {
    return this['text/plain'];
  }
}

/** A value for {@link keyValueHtml}: text is escaped, an `HtmlBundle` is nested as is. */
export type DisplayValue =
  string | number | boolean | bigint | Date | null | undefined | HtmlBundle;

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;'
};

/**
 * Bidirectional controls (embeddings, overrides, isolates, marks). A name holding one can
 * make the text around it read differently from what it is (`report\u202Evsc.exe` reads as
 * `reportexe.csv`), so HTML shows each as its code point instead.
 */
const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

/** Longest unbroken run of characters {@link textHtml} shows whole. */
export const MAX_RUN_CHARS = 120;

/**
 * Escape text for HTML element content and quoted attribute values. Bidirectional control
 * characters become a visible `[U+202E]`, so no name can reorder what the reader sees.
 *
 * @param text - any text
 */
export function escapeHtml(text: string): string {
  return text
    .replace(/[&<>"']/g, c => ESCAPES[c])
    .replace(
      BIDI_CONTROLS,
      c => `[U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}]`
    );
}

/**
 * Escaped element content that cannot stretch a view: an unbroken run longer than
 * {@link MAX_RUN_CHARS} (a 5,000-character name) is cut in the middle with `…`, and the
 * whole text goes in the `title` (a tooltip). Shorter text is just {@link escapeHtml}.
 *
 * @param text - any text
 */
export function textHtml(text: string): string {
  let cut = false;
  const shown = text.replace(new RegExp(`\\S{${MAX_RUN_CHARS + 1},}`, 'g'), run => {
    cut = true;
    const chars = [...run];
    return `${chars.slice(0, 80).join('')}…${chars.slice(-30).join('')}`;
  });
  return cut
    ? `<span class="jp-GlobusKit-Cut" title="${escapeHtml(text)}">${escapeHtml(shown)}</span>`
    : escapeHtml(text);
}

/**
 * Whether `url` is an absolute http(s) URL, the only kind rendered as a link.
 *
 * @param url - candidate URL
 */
export function isWebUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:';
  } catch {
    return false;
  }
}

/**
 * A link that opens in a new tab. Only absolute http(s) URLs become links; anything else
 * (`javascript:`, `data:`, relative paths) is shown as text next to the label.
 *
 * @param label - the link text
 * @param url - the target
 */
export function linkHtml(label: string, url: string): HtmlBundle {
  if (!isWebUrl(url)) {
    return new HtmlBundle(
      `<span class="jp-GlobusKit-Link jp-mod-inactive">${textHtml(label)} (<code>${textHtml(url)}</code>)</span>`,
      `${label} (${url})`
    );
  }
  // A bidi control in a URL is percent-encoded (as a browser would send it), not shown.
  const href = url.replace(BIDI_CONTROLS, c => encodeURIComponent(c));
  return new HtmlBundle(
    `<a class="jp-GlobusKit-Link" href="${escapeHtml(href)}" target="_blank" rel="noopener noreferrer">${textHtml(label)}</a>`,
    label === url ? url : `${label} <${url}>`
  );
}

/**
 * A value as escaped HTML and as text: dates as ISO 8601 (date only at UTC midnight),
 * null and undefined as a muted dash.
 *
 * @param value - the value
 */
export function valueHtml(value: DisplayValue): HtmlBundle {
  if (value instanceof HtmlBundle) {
    return value;
  }
  if (value === null || value === undefined) {
    return new HtmlBundle('<span class="jp-GlobusKit-Null">—</span>', '—');
  }
  const text = value instanceof Date ? formatDate(value) : String(value);
  return new HtmlBundle(textHtml(text), text);
}

/**
 * A two-column table of labels and values (an identity card, a transfer task summary).
 *
 * @param entries - label → value pairs, in order (an object's own keys also work)
 * @param options - an optional `title` shown above the table
 */
export function keyValueHtml(
  entries: Iterable<readonly [string, DisplayValue]> | Record<string, DisplayValue>,
  options: { title?: string } = {}
): HtmlBundle {
  const pairs: (readonly [string, DisplayValue])[] = isIterable(entries)
    ? [...entries]
    : Object.entries(entries);
  const rows = pairs.map(([k, v]) => {
    const value = valueHtml(v);
    return {
      html: `<tr><th scope="row">${escapeHtml(k)}</th><td>${value['text/html']}</td></tr>`,
      text: `${k}: ${value['text/plain']}`
    };
  });
  const caption =
    options.title === undefined ? '' : `<caption>${textHtml(options.title)}</caption>`;
  const html = `<table class="jp-GlobusKit-KeyValue">${caption}<tbody>${rows
    .map(r => r.html)
    .join('')}</tbody></table>`;
  const text = [...(options.title === undefined ? [] : [options.title]), ...rows.map(r => r.text)];
  return new HtmlBundle(html, text.join('\n'));
}

/**
 * Join bundles into one block, in order.
 *
 * @param parts - bundles to join
 * @param options - `className` of the wrapping `div`
 */
export function joinHtml(
  parts: readonly HtmlBundle[],
  options: { className?: string } = {}
): HtmlBundle {
  const cls = options.className ? ` class="${escapeHtml(options.className)}"` : '';
  return new HtmlBundle(
    `<div${cls}>${parts.map(p => p['text/html']).join('')}</div>`,
    parts.map(p => p['text/plain']).join('\n')
  );
}

/** ISO date, or date-time when not at UTC midnight. */
export function formatDate(d: Date): string {
  const t = d.getTime();
  if (Number.isNaN(t)) {
    return 'Invalid Date';
  }
  const iso = d.toISOString();
  return t % 86_400_000 === 0 ? iso.slice(0, 10) : iso;
}

/**
 * A byte count for people: `1.5 MB` (powers of 1000, as file managers and Globus show).
 *
 * @param bytes - a count of bytes
 */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) {
    return '—';
  }
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let v = Math.abs(bytes);
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  const sign = bytes < 0 ? '-' : '';
  return u === 0
    ? `${sign}${v} B`
    : `${sign}${v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)} ${units[u]}`;
}

function isIterable(value: unknown): value is Iterable<readonly [string, DisplayValue]> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function'
  );
}
