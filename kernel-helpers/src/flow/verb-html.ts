/**
 * Small HTML pieces the verbs share: a plain grid of escaped values (token tables,
 * listings of rules) and duration text.
 */
import { HtmlBundle, textHtml, type DisplayValue, valueHtml } from '../display/html';

/**
 * A table with a header row and rows of values; every value is escaped (or nested as an
 * `HtmlBundle` built by the display builders).
 *
 * @param headers - column titles
 * @param rows - one array of values per row
 * @param options - an optional caption
 */
export function gridHtml(
  headers: readonly string[],
  rows: readonly (readonly DisplayValue[])[],
  options: { caption?: string } = {}
): HtmlBundle {
  const head = `<thead><tr>${headers.map(h => `<th scope="col">${textHtml(h)}</th>`).join('')}</tr></thead>`;
  const body = rows
    .map(r => `<tr>${r.map(v => `<td>${valueHtml(v)['text/html']}</td>`).join('')}</tr>`)
    .join('');
  const caption =
    options.caption === undefined ? '' : `<caption>${textHtml(options.caption)}</caption>`;
  const text = [
    ...(options.caption === undefined ? [] : [options.caption]),
    headers.join(' | '),
    ...rows.map(r => r.map(v => valueHtml(v)['text/plain']).join(' | '))
  ].join('\n');
  return new HtmlBundle(
    `<table class="jp-GlobusKit-Grid">${caption}${head}<tbody>${body}</tbody></table>`,
    text
  );
}

/**
 * `1 d 23 h`, `4 h 5 min`, `59 s`; `expired` for zero or less; a dash when unknown.
 *
 * @param seconds - time left
 */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) {
    return '—';
  }
  if (seconds <= 0) {
    return 'expired';
  }
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  if (d > 0) {
    return `${d} d ${h} h`;
  }
  if (h > 0) {
    return `${h} h ${m} min`;
  }
  return m > 0 ? `${m} min` : `${Math.floor(seconds)} s`;
}
