/**
 * The progress line long operations show: a bar when the total is known, and the counts.
 */
import { formatBytes, HtmlBundle, textHtml } from './html';

/** Where an operation is; every count is optional. */
export interface IProgressState {
  /** What is running, e.g. `Downloading 1952.csv`. */
  label: string;
  /** `running` until the operation ends (default `running`). */
  status?: 'running' | 'done' | 'failed' | 'cancelled';
  /** Bytes moved so far. */
  bytes?: number;
  /** Bytes in all, when known. */
  totalBytes?: number;
  /** Rows parsed so far. */
  rows?: number;
  /** Files done so far. */
  files?: number;
  /** Files in all, when known. */
  totalFiles?: number;
  /** Bytes per second. */
  rate?: number;
  /** A short note, e.g. a Transfer task status or why it failed. */
  message?: string;
}

const STATUS_TEXT: Readonly<Record<NonNullable<IProgressState['status']>, string>> = {
  running: '',
  done: 'done',
  failed: 'failed',
  cancelled: 'cancelled'
};

/**
 * A progress bar with bytes, rows, files and rate. The bar shows the byte fraction (or the
 * file fraction) when a total is known; a finished operation shows a full bar.
 *
 * @param state - the counts
 */
export function progressHtml(state: IProgressState): HtmlBundle {
  const status = state.status ?? 'running';
  const fraction = progressFraction(state);
  const parts: string[] = [];
  if (fraction !== undefined) {
    parts.push(`${Math.floor(fraction * 100)}%`);
  }
  if (state.bytes !== undefined) {
    parts.push(
      state.totalBytes !== undefined
        ? `${formatBytes(state.bytes)} of ${formatBytes(state.totalBytes)}`
        : formatBytes(state.bytes)
    );
  }
  if (state.rows !== undefined) {
    parts.push(`${Math.round(state.rows).toLocaleString('en-US')} rows`);
  }
  if (state.files !== undefined) {
    parts.push(
      state.totalFiles !== undefined
        ? `${state.files.toLocaleString('en-US')} of ${state.totalFiles.toLocaleString('en-US')} files`
        : `${state.files.toLocaleString('en-US')} files`
    );
  }
  if (state.rate !== undefined && Number.isFinite(state.rate) && state.rate > 0) {
    parts.push(`${formatBytes(state.rate)}/s`);
  }
  if (STATUS_TEXT[status]) {
    parts.push(STATUS_TEXT[status]);
  }
  if (state.message) {
    parts.push(state.message);
  }
  const detail = parts.join(' · ');
  const width = status === 'done' ? 100 : fraction === undefined ? 0 : fraction * 100;
  const bar =
    fraction === undefined && status === 'running'
      ? ''
      : `<div class="jp-GlobusKit-ProgressTrack" style="height:6px;background:var(--jp-layout-color3,#ddd)">` +
        `<div class="jp-GlobusKit-ProgressBar" style="height:6px;width:${width.toFixed(1)}%;background:${
          status === 'failed' ? 'var(--jp-error-color1,#d32f2f)' : 'var(--jp-brand-color1,#1976d2)'
        }"></div></div>`;
  const html =
    `<div class="jp-GlobusKit-Progress jp-mod-${status}">` +
    `<div>${textHtml(state.label)}</div>${bar}` +
    `<div class="jp-GlobusKit-ProgressDetail">${textHtml(detail)}</div></div>`;
  return new HtmlBundle(html, detail ? `${state.label}: ${detail}` : state.label);
}

/** Fraction done from bytes, else files; undefined when no total is known. */
function progressFraction(state: IProgressState): number | undefined {
  if (state.totalBytes !== undefined && state.totalBytes > 0 && state.bytes !== undefined) {
    return Math.min(1, Math.max(0, state.bytes / state.totalBytes));
  }
  if (state.totalFiles !== undefined && state.totalFiles > 0 && state.files !== undefined) {
    return Math.min(1, Math.max(0, state.files / state.totalFiles));
  }
  return undefined;
}
