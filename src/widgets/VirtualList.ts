import { ISignal, Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import { IRowRange, visibleRange } from '../model/virtual-range';

/**
 * A scrolling list that keeps only the visible rows (plus a few) in the DOM, so 10,000
 * entries scroll as smoothly as 50. Rows have one fixed height; a spacer gives the
 * scrollbar the full length. Scrolling builds only the rows that came into view and keeps
 * the others; {@link update} (or new {@link items}) rebuilds every rendered row.
 */
export class VirtualList<T> extends Widget {
  /**
   * @param options - how to render a row and the list's accessible name.
   */
  constructor(options: IVirtualListOptions<T>) {
    super();
    this._renderRow = options.renderRow;
    this._rowHeight = options.rowHeight ?? 24;
    this._rowRole = options.rowRole ?? 'listitem';
    this.addClass('jp-GlobusKit-VirtualList');
    this.node.setAttribute('role', options.role ?? 'list');
    this.node.setAttribute('aria-label', options.label);
    this.node.tabIndex = 0;
    this._spacer = document.createElement('div');
    this._spacer.className = 'jp-GlobusKit-VirtualList-spacer';
    this.node.appendChild(this._spacer);
    this.node.addEventListener('scroll', this._onScroll, { passive: true });
    // Lumino's resize messages do not reach a list whose panel is laid out by CSS: its
    // height is watched directly (the first layout of the app changes it, for one).
    this._resizeObserver =
      typeof ResizeObserver === 'function' ? new ResizeObserver(this._onScroll) : null;
    this._resizeObserver?.observe(this.node);
  }

  /**
   * The items shown. Setting them re-renders and keeps the scroll position. An array that
   * changes in place (items filled in, or added) is shown after {@link update}.
   */
  get items(): readonly T[] {
    return this._items;
  }
  set items(items: readonly T[]) {
    this._items = items;
    this._setHeight();
    this.update();
  }

  /** Emitted after rendering with the rows now in the DOM (e.g. to load them). */
  get rangeRendered(): ISignal<this, IRowRange> {
    return this._rangeRendered;
  }

  /** Height of every row in pixels. Setting it re-renders every row. */
  get rowHeight(): number {
    return this._rowHeight;
  }
  set rowHeight(value: number) {
    if (value > 0 && value !== this._rowHeight) {
      this._rowHeight = value;
      this._setHeight();
      this.update();
    }
  }

  /** How many row elements are in the DOM now (for tests and the benchmark). */
  get renderedCount(): number {
    return this._spacer.childElementCount;
  }

  /** Scroll so row `index` is visible. */
  scrollToIndex(index: number): void {
    const top = index * this._rowHeight;
    const node = this.node;
    if (top < node.scrollTop) {
      node.scrollTop = top;
    } else if (top + this._rowHeight > node.scrollTop + node.clientHeight) {
      node.scrollTop = top + this._rowHeight - node.clientHeight;
    }
  }

  /** Remove the scroll listener. */
  dispose(): void {
    if (this.isDisposed) {
      return;
    }
    this.node.removeEventListener('scroll', this._onScroll);
    this._resizeObserver?.disconnect();
    if (this._frame !== null) {
      cancelAnimationFrame(this._frame);
    }
    super.dispose();
  }

  protected onUpdateRequest(): void {
    this._render(true);
  }

  protected onAfterShow(): void {
    this._render(true);
  }

  protected onResize(): void {
    this._render(false);
  }

  private _onScroll = (): void => {
    if (this._frame === null) {
      this._frame = requestAnimationFrame(() => {
        this._frame = null;
        this._render();
      });
    }
  };

  private _setHeight(): void {
    const height = this._items.length * this._rowHeight;
    if (height !== this._height) {
      this._height = height;
      this._spacer.style.height = `${height}px`;
    }
  }

  /**
   * Show the rows in view. `all`: rebuild every row; otherwise rows already built for the
   * same item stay (only those scrolled into view are built), so a scroll frame costs the
   * new rows, not the screenful.
   */
  private _render(all = false): void {
    this._setHeight();
    const count = this._items.length;
    const { start, end } = visibleRange({
      scrollTop: this.node.scrollTop,
      // Before the first layout the height is 0: render one screenful anyway. While the
      // app is still being laid out the list may not be bounded yet and be as tall as all
      // its rows: no more than the window shows is rendered then.
      viewportHeight: Math.min(this.node.clientHeight || 600, window.innerHeight || 600),
      rowHeight: this._rowHeight,
      count
    });
    const kept = all || count !== this._renderedSetSize ? null : this._rendered;
    const rendered = new Map<number, IRenderedRow<T>>();
    const rows: HTMLElement[] = [];
    for (let i = start; i < end; i++) {
      const item = this._items[i];
      const old = kept?.get(i);
      let row: HTMLElement;
      if (old && old.item === item) {
        row = old.node;
      } else {
        row = this._renderRow(item, i);
        row.style.position = 'absolute';
        row.style.top = `${i * this._rowHeight}px`;
        row.style.height = `${this._rowHeight}px`;
        row.setAttribute('role', this._rowRole);
        row.setAttribute('aria-setsize', String(count));
        row.setAttribute('aria-posinset', String(i + 1));
      }
      rendered.set(i, { item, node: row });
      rows.push(row);
    }
    this._rendered = rendered;
    this._renderedSetSize = count;
    const children = this._spacer.children;
    const same = children.length === rows.length && rows.every((row, i) => children[i] === row);
    if (!same) {
      this._spacer.replaceChildren(...rows);
    }
    if (start !== this._range.start || end !== this._range.end || all) {
      this._range = { start, end };
      this._rangeRendered.emit(this._range);
    }
  }

  private _items: readonly T[] = [];
  private _rendered = new Map<number, IRenderedRow<T>>();
  private _renderedSetSize = 0;
  private _range: IRowRange = { start: 0, end: 0 };
  private _height = -1;
  private _rangeRendered = new Signal<this, IRowRange>(this);
  private _renderRow: (item: T, index: number) => HTMLElement;
  private _rowHeight: number;
  private _rowRole: string;
  private _spacer: HTMLDivElement;
  private _frame: number | null = null;
  private _resizeObserver: ResizeObserver | null;
}

/** A row in the DOM and the item it shows. */
interface IRenderedRow<T> {
  item: T;
  node: HTMLElement;
}

/** Options of {@link VirtualList}. */
export interface IVirtualListOptions<T> {
  /** Builds the element of one row (text nodes only for untrusted strings). */
  renderRow: (item: T, index: number) => HTMLElement;
  /** The list's accessible name. */
  label: string;
  /** Row height in pixels. Default 24. */
  rowHeight?: number;
  /** The list's ARIA role: `list` (default) or `listbox` (rows are then `option`s). */
  role?: 'list' | 'listbox';
  /** The rows' ARIA role. Default `listitem`. */
  rowRole?: 'listitem' | 'option';
}
