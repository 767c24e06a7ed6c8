/**
 * Which rows of a fixed-row-height list are on screen. Pure, so the virtualised listing
 * can render 10,000 entries as a few dozen DOM rows and this arithmetic is unit-tested.
 */

/** The window of rows to render: `start` inclusive, `end` exclusive. */
export interface IRowRange {
  /** First row to render. */
  start: number;
  /** One past the last row to render. */
  end: number;
}

/** Inputs of {@link visibleRange}. */
export interface IVisibleRangeOptions {
  /** The scroll container's `scrollTop`, in pixels. */
  scrollTop: number;
  /** The scroll container's visible height, in pixels. */
  viewportHeight: number;
  /** Height of every row, in pixels (> 0). */
  rowHeight: number;
  /** Rows in the list. */
  count: number;
  /** Extra rows rendered above and below, so fast scrolling shows no gap. Default 8. */
  overscan?: number;
}

/**
 * The rows to render for a scroll position.
 *
 * @param options - scroll position, viewport and row geometry, row count.
 */
export function visibleRange(options: IVisibleRangeOptions): IRowRange {
  const { rowHeight, count } = options;
  const overscan = options.overscan ?? 8;
  if (count <= 0 || rowHeight <= 0) {
    return { start: 0, end: 0 };
  }
  const top = Math.max(0, options.scrollTop);
  const height = Math.max(0, options.viewportHeight);
  const first = Math.floor(top / rowHeight);
  const last = Math.ceil((top + height) / rowHeight);
  const start = Math.min(count, Math.max(0, first - overscan));
  const end = Math.min(count, Math.max(start, last + overscan));
  return { start, end };
}
