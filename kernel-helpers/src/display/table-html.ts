/**
 * The preview `fetchCsv` shows: shape, column types, the first and last rows, and the
 * parse warnings.
 */
import type { CellValue, Table } from '../flow/table';
import { escapeHtml, formatDate, HtmlBundle, textHtml } from './html';

/** Options for {@link tableHtml}. */
export interface ITableHtmlOptions {
  /** Rows from the start (default 5). */
  head?: number;
  /** Rows from the end (default 5). */
  tail?: number;
  /** How many warnings to list (default 5); the rest are counted. */
  warnings?: number;
  /** A caption, e.g. the source URL (shown as text). */
  title?: string;
}

/**
 * A head/tail preview of a table: `366 rows × 5 columns`, one header row with names and
 * types, the first `head` and last `tail` rows with a gap row between them, and the
 * first few parse warnings.
 *
 * @param table - the table
 * @param options - how many rows and warnings to show, and a caption
 */
export function tableHtml(table: Table, options: ITableHtmlOptions = {}): HtmlBundle {
  const head = Math.max(0, options.head ?? 5);
  const tail = Math.max(0, options.tail ?? 5);
  const n = table.numRows;
  const all = head + tail >= n;
  const indices = all ? range(0, n) : [...range(0, head), ...range(Math.max(head, n - tail), n)];
  const gapAfter = all ? -1 : head - 1;
  const omitted = all ? 0 : n - head - tail;

  const shape = `${n.toLocaleString('en-US')} rows × ${table.numColumns} columns`;
  const headerCells = table.columns
    .map(
      c =>
        `<th scope="col">${textHtml(c)}<br><span class="jp-GlobusKit-ColumnType">${escapeHtml(table.types[c])}</span></th>`
    )
    .join('');
  const bodyRows: string[] = [];
  const textRows: string[][] = [['', ...table.columns.map(c => `${c} (${table.types[c]})`)]];
  if (head === 0 && !all) {
    bodyRows.push(gapRow(table.numColumns, omitted));
    textRows.push(['…', ...table.columns.map(() => '…')]);
  }
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    const cells = table.columns.map(c => cellText(table.get(i, c)));
    bodyRows.push(
      `<tr><th scope="row">${i}</th>${cells
        .map(t =>
          t === null ? '<td class="jp-GlobusKit-Null">null</td>' : `<td>${textHtml(t)}</td>`
        )
        .join('')}</tr>`
    );
    textRows.push([String(i), ...cells.map(t => t ?? 'null')]);
    if (i === gapAfter) {
      bodyRows.push(gapRow(table.numColumns, omitted));
      textRows.push(['…', ...table.columns.map(() => '…')]);
    }
  }

  const shown = Math.max(0, options.warnings ?? 5);
  const warnings = table.warnings.slice(0, shown);
  const more = table.warningCount - warnings.length;
  const warningHtml =
    table.warningCount === 0
      ? ''
      : `<details class="jp-GlobusKit-Warnings"><summary>${table.warningCount.toLocaleString('en-US')} warning${
          table.warningCount === 1 ? '' : 's'
        }</summary><ul>${warnings.map(w => `<li>${textHtml(w.message)}</li>`).join('')}${
          more > 0 ? `<li>… and ${more.toLocaleString('en-US')} more</li>` : ''
        }</ul></details>`;
  const caption = options.title === undefined ? shape : `${options.title} — ${shape}`;
  const html =
    `<div class="jp-GlobusKit-Table"><table><caption>${textHtml(caption)}</caption>` +
    `<thead><tr><th></th>${headerCells}</tr></thead><tbody>${bodyRows.join('')}</tbody></table>` +
    `${warningHtml}</div>`;

  const text = [caption, ...alignColumns(textRows)];
  if (table.warningCount) {
    text.push(`${table.warningCount} warning(s):`, ...warnings.map(w => `  ${w.message}`));
    if (more > 0) {
      text.push(`  … and ${more} more`);
    }
  }
  return new HtmlBundle(html, text.join('\n'));
}

function gapRow(numColumns: number, omitted: number): string {
  return `<tr class="jp-GlobusKit-Gap"><th scope="row">…</th><td colspan="${numColumns}">${omitted.toLocaleString(
    'en-US'
  )} more rows</td></tr>`;
}

function cellText(v: CellValue): string | null {
  if (v === null) {
    return null;
  }
  return v instanceof Date ? formatDate(v) : String(v);
}

function range(from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i < to; i++) {
    out.push(i);
  }
  return out;
}

/** Pad cells so text columns line up; long cells are cut at 30 characters. */
function alignColumns(rows: string[][]): string[] {
  const cut = rows.map(r => r.map(c => (c.length > 30 ? `${c.slice(0, 29)}…` : c)));
  const widths: number[] = [];
  for (const r of cut) {
    r.forEach((c, i) => {
      widths[i] = Math.max(widths[i] ?? 0, c.length);
    });
  }
  return cut.map(r =>
    r
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd()
  );
}
