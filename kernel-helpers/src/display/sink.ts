/**
 * The minimal display interface the library needs from a notebook kernel. It matches the
 * shape of tslab's `display` / `newDisplay()` (so `connect({ display: tslab })` works)
 * without importing tslab: the library also runs in plain Node, where there is no display.
 */

/** One display area (tslab's `Display`): each call shows, or for an updatable one replaces, its content. */
export interface IDisplay {
  /** Show HTML. */
  html(html: string): void;
  /** Show plain text. */
  text(text: string): void;
  /** Show Markdown. */
  markdown?(markdown: string): void;
  /** Show SVG. */
  svg?(svg: string): void;
  /** Show a PNG. */
  png?(bytes: Uint8Array): void;
  /**
   * Show any MIME type. JSON types (e.g. `application/vnd.vegalite.v5+json`) take the
   * object itself: tslab passes anything that is not bytes through to the message as is,
   * and JupyterLab's vega-lite renderer wants an object, not a JSON string.
   */
  raw?(contentType: string, data: string | Uint8Array | object): unknown;
}

/** Where rich output goes: an always-new display and a factory for updatable ones (tslab's module shape). */
export interface IDisplaySink {
  /** Appends a new output each call. */
  display: IDisplay;
  /** A display that overwrites a single output entry (for progress). */
  newDisplay(): IDisplay;
}

/**
 * Whether `value` has the display-sink shape (used to validate `connect({ display })`).
 *
 * @param value - the candidate
 */
export function isDisplaySink(value: unknown): value is IDisplaySink {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const v = value as { display?: unknown; newDisplay?: unknown };
  return (
    typeof v.newDisplay === 'function' &&
    typeof v.display === 'object' &&
    v.display !== null &&
    typeof (v.display as { html?: unknown }).html === 'function' &&
    typeof (v.display as { text?: unknown }).text === 'function'
  );
}
