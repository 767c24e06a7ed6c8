import { Widget } from '@lumino/widgets';

import { visibleRange } from '../model/virtual-range';

/**
 * A scrolling list that keeps only the visible rows (plus a few) in the DOM, so 10,000
 * entries scroll as smoothly as 50. Rows have one fixed height; a spacer gives the
 * scrollbar the full length.
 */
export class VirtualList<T> extends Widget {
  /**
   * @param options - how to render a row and the list's accessible name.
   */
  constructor(options: IVirtualListOptions<T>) {
    super();
    this._renderRow = options.renderRow;
    this._rowHeight = options.rowHeight ?? 24;
    this.addClass('jp-GlobusKit-VirtualList');
    this.node.setAttribute('role', 'list');
    this.node.setAttribute('aria-label', options.label);
    this.node.tabIndex = 0;
    this._spacer = document.createElement('div');
    this._spacer.className = 'jp-GlobusKit-VirtualList-spacer';
    this.node.appendChild(this._spacer);
    this.node.addEventListener('scroll', this._onScroll, { passive: true });
  }

  /** The items shown. Setting them re-renders and keeps the scroll position. */
  get items(): readonly T[] {
    return this._items;
  }
  set items(items: readonly T[]) {
    this._items = items;
    this._spacer.style.height = `${items.length * this._rowHeight}px`;
    this.update();
  }

  /** Height of every row in pixels. */
  get rowHeight(): number {
    return this._rowHeight;
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
    if (this._frame !== null) {
      cancelAnimationFrame(this._frame);
    }
    super.dispose();
  }

  protected onUpdateRequest(): void {
    this._render();
  }

  protected onAfterShow(): void {
    this._render();
  }

  protected onResize(): void {
    this._render();
  }

  private _onScroll = (): void => {
    if (this._frame === null) {
      this._frame = requestAnimationFrame(() => {
        this._frame = null;
        this._render();
      });
    }
  };

  private _render(): void {
    const { start, end } = visibleRange({
      scrollTop: this.node.scrollTop,
      // Before the first layout the height is 0: render one screenful anyway.
      viewportHeight: this.node.clientHeight || 600,
      rowHeight: this._rowHeight,
      count: this._items.length
    });
    const rows: HTMLElement[] = [];
    for (let i = start; i < end; i++) {
      const row = this._renderRow(this._items[i], i);
      row.style.position = 'absolute';
      row.style.top = `${i * this._rowHeight}px`;
      row.style.height = `${this._rowHeight}px`;
      row.setAttribute('role', 'listitem');
      row.setAttribute('aria-setsize', String(this._items.length));
      row.setAttribute('aria-posinset', String(i + 1));
      rows.push(row);
    }
    this._spacer.replaceChildren(...rows);
  }

  private _items: readonly T[] = [];
  private _renderRow: (item: T, index: number) => HTMLElement;
  private _rowHeight: number;
  private _spacer: HTMLDivElement;
  private _frame: number | null = null;
}

/** Options of {@link VirtualList}. */
export interface IVirtualListOptions<T> {
  /** Builds the element of one row (text nodes only for untrusted strings). */
  renderRow: (item: T, index: number) => HTMLElement;
  /** The list's accessible name. */
  label: string;
  /** Row height in pixels. Default 24. */
  rowHeight?: number;
}
