/**
 * Charts from tables: a vega-lite v5 spec for JupyterLab's built-in renderer, and headless
 * SVG/PNG rendering in Node.
 *
 * Large tables are downsampled before their rows go into the spec, so a chart of a
 * million-row table stays a few hundred kilobytes (see {@link buildChartSpec}).
 *
 * `vega` and `vega-lite` 6 are ESM-only (and vega's module graph has a top-level await,
 * so even Node's `require(esm)` refuses it). This package builds to CommonJS, where
 * TypeScript's `node16` module setting keeps `import()` as a real dynamic import instead
 * of rewriting it to `require()`; so they are loaded lazily with `await import(…)` inside
 * the async render methods, which also keeps them off the path of `import` of this
 * library. Their types come in through `typeof import(…)` with `resolution-mode: import`
 * for the same reason (a plain `import type` of an ESM-only package is refused in a
 * CommonJS file).
 */
import { BadInputError } from '../errors/bad-input-error';
import { BOOLEAN_NULL, type ColumnStorage, type Table } from './table';

type VegaModule = typeof import('vega', { with: { 'resolution-mode': 'import' } });
type VegaLiteModule = typeof import('vega-lite', { with: { 'resolution-mode': 'import' } });

/** The vega-lite MIME type JupyterLab renders natively. */
export const VEGALITE_MIME = 'application/vnd.vegalite.v5+json';

/** The `$schema` every spec gets unless it names its own. */
export const VEGALITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';

/** Tables with more rows than this are downsampled (see {@link buildChartSpec}). */
export const DOWNSAMPLE_THRESHOLD = 5000;

/** Number of x bins a downsampled chart keeps. */
export const DOWNSAMPLE_BINS = 1000;

/** A vega-lite specification as JSON (deliberately loose: vega-lite validates it). */
export type VegaLiteSpec = { [key: string]: unknown };

/** The short chart description `globus.plot(table, { x, y })` takes. */
export interface IPlotSpec {
  /** Column for the x axis (dates become a UTC time axis, numbers a linear one). */
  x: string;
  /** Column(s) for the y axis; several become one line each, with a legend. */
  y: string | string[];
  /** Chart title. */
  title?: string;
  /** Mark type (default `line`). */
  mark?: 'line' | 'point' | 'bar';
  /** Width in pixels (default 640). */
  width?: number;
  /** Height in pixels (default 320). */
  height?: number;
}

/** What downsampling did, for display and for tests. */
export interface IDownsampleInfo {
  /** Rows in the table. */
  fromRows: number;
  /** Rows that went into the spec. */
  toRows: number;
  /** The rule applied, in words. */
  rule: string;
}

/** Options for {@link Chart.toPng}. */
export interface IPngOptions {
  /** Pixel density: 2 gives a 1280×640 image for a 640×320 chart (default 1). */
  scale?: number;
  /** Background colour (default white; `transparent` for none). */
  background?: string;
  /** Extra font files, for machines without system fonts (text is not drawn without any). */
  fontFiles?: string[];
  /**
   * Font family for vega's `sans-serif` text (default `DejaVu Sans`, Debian's default font;
   * when it is missing, resvg falls back to the first system font it finds).
   */
  fontFamily?: string;
}

/**
 * A chart: its vega-lite spec plus headless rendering.
 */
export class Chart {
  /** The vega-lite spec, data inlined; send it as `application/vnd.vegalite.v5+json`. */
  readonly spec: VegaLiteSpec;
  /** Set when the table was downsampled to build the spec. */
  readonly downsampled: IDownsampleInfo | undefined;

  /**
   * @param spec - a complete vega-lite spec with inline data
   * @param downsampled - what downsampling did, if anything
   */
  constructor(spec: VegaLiteSpec, downsampled?: IDownsampleInfo) {
    this.spec = spec;
    this.downsampled = downsampled;
  }

  /** The chart's title, if it has a plain-text one. */
  get title(): string | undefined {
    const t = this.spec.title;
    if (typeof t === 'string') {
      return t;
    }
    if (t && typeof t === 'object' && typeof (t as { text?: unknown }).text === 'string') {
      return (t as { text: string }).text;
    }
    return undefined;
  }

  /**
   * Render to SVG in Node (vega-lite → vega → vega's headless SVG renderer).
   *
   * @returns the SVG document text
   */
  async toSvg(): Promise<string> {
    const [vega, vegaLite] = await Promise.all([loadVega(), loadVegaLite()]);
    const compiled = vegaLite.compile(
      this.spec as unknown as Parameters<VegaLiteModule['compile']>[0]
    ).spec;
    const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
    try {
      return await view.toSVG();
    } finally {
      view.finalize();
    }
  }

  /**
   * Render to PNG in Node: {@link Chart.toSvg}, rasterised by resvg.
   *
   * Text uses the system fonts resvg finds; on a machine without any, labels are not
   * drawn — pass `fontFiles`.
   *
   * @param options - `scale`, `background`, `fontFiles`
   * @returns the PNG bytes
   */
  async toPng(options: IPngOptions = {}): Promise<Uint8Array> {
    const scale = options.scale ?? 1;
    if (!(scale > 0 && scale <= 8)) {
      throw new BadInputError(`toPng scale must be in (0, 8], got ${scale}`);
    }
    const svg = await this.toSvg();
    const { Resvg } = await import('@resvg/resvg-js');
    const resvg = new Resvg(svg, {
      fitTo: { mode: 'zoom', value: scale },
      background: options.background ?? 'white',
      font: {
        loadSystemFonts: true,
        fontFiles: options.fontFiles ?? [],
        sansSerifFamily: options.fontFamily ?? 'DejaVu Sans'
      }
    });
    return new Uint8Array(resvg.render().asPng());
  }

  /** The MIME bundle for a notebook: vega-lite for JupyterLab, a line of text elsewhere. */
  toMimeBundle(): { [VEGALITE_MIME]: VegaLiteSpec; 'text/plain': string } {
    return { [VEGALITE_MIME]: this.spec, 'text/plain': this.toString() };
  }

  /** The spec, so `JSON.stringify(chart)` gives vega-lite JSON. */
  toJSON(): VegaLiteSpec {
    return this.spec;
  }

  /** `Chart("Title", 2000 of 1250000 rows)`. */
  toString(): string {
    const rows = Array.isArray((this.spec.data as { values?: unknown } | undefined)?.values)
      ? ((this.spec.data as { values: unknown[] }).values.length as number)
      : undefined;
    const title = this.title === undefined ? '' : JSON.stringify(this.title);
    const size = this.downsampled
      ? `${this.downsampled.toRows} of ${this.downsampled.fromRows} rows`
      : rows === undefined
        ? ''
        : `${rows} rows`;
    return `Chart(${[title, size].filter(Boolean).join(', ')})`;
  }
}

/**
 * Build a vega-lite v5 spec from a table and either a short spec (`{ x, y, title }`) or a
 * full vega-lite spec (passed through with the table inlined as `data.values`, unless it
 * brings its own `data`).
 *
 * Several y columns are folded (`transform: fold`) into one `value` axis with a colour
 * legend, in the order given. Date columns are inlined as epoch milliseconds on a UTC
 * time scale, so midnight-UTC dates never show as the previous day.
 *
 * Downsampling rule: a table with more than {@link DOWNSAMPLE_THRESHOLD} (5,000) rows is
 * cut into {@link DOWNSAMPLE_BINS} (1,000) equal-width bins of x (row order when x is
 * text); from each bin, for every y column, the rows holding the first, last, minimum and
 * maximum y are kept (the M4 rule), so peaks and troughs survive and a line looks the same
 * at screen resolution. At most 4 × 1,000 × (number of y columns) rows remain. A full spec
 * whose `encoding` names x and y fields is downsampled the same way on those; otherwise
 * every n-th row is kept, down to 5,000.
 *
 * @param table - the data
 * @param spec - a short spec or a full vega-lite spec
 * @throws BadInputError when a named column does not exist
 */
export function buildChartSpec(table: Table, spec: IPlotSpec | VegaLiteSpec): Chart {
  if (isShortSpec(spec)) {
    return buildShort(table, spec);
  }
  return buildFull(table, spec);
}

function isShortSpec(spec: IPlotSpec | VegaLiteSpec): spec is IPlotSpec {
  return (
    typeof spec.x === 'string' &&
    (typeof spec.y === 'string' || (Array.isArray(spec.y) && spec.y.every(isString)))
  );
}

function isString(v: unknown): v is string {
  return typeof v === 'string';
}

function buildShort(table: Table, spec: IPlotSpec): Chart {
  const ys = Array.isArray(spec.y) ? spec.y : [spec.y];
  if (ys.length === 0) {
    throw new BadInputError('plot: y needs at least one column');
  }
  for (const name of [spec.x, ...ys]) {
    table.storage(name); // throws BadInputError naming the columns
  }
  const { indices, info } = pickRows(table, spec.x, ys);
  const values = inlineRows(table, [spec.x, ...ys], indices);
  const xType = table.types[spec.x];
  const mark = spec.mark ?? 'line';
  const x: VegaLiteSpec =
    xType === 'date'
      ? { field: spec.x, type: 'temporal', scale: { type: 'utc' }, title: spec.x }
      : xType === 'string' || xType === 'boolean'
        ? { field: spec.x, type: 'ordinal', title: spec.x }
        : { field: spec.x, type: 'quantitative', title: spec.x };
  const out: VegaLiteSpec = {
    $schema: VEGALITE_SCHEMA,
    ...(spec.title === undefined ? {} : { title: spec.title }),
    width: spec.width ?? 640,
    height: spec.height ?? 320,
    data: { values },
    mark: mark === 'point' ? { type: 'point', filled: true, size: 12 } : { type: mark },
    encoding:
      ys.length === 1
        ? { x, y: { field: ys[0], type: 'quantitative', title: ys[0] } }
        : {
            x,
            y: { field: 'value', type: 'quantitative', title: ys.join(', ') },
            color: { field: 'series', type: 'nominal', sort: ys, title: null }
          }
  };
  if (ys.length > 1) {
    out.transform = [{ fold: ys, as: ['series', 'value'] }];
  }
  return new Chart(out, info);
}

function buildFull(table: Table, spec: VegaLiteSpec): Chart {
  const out: VegaLiteSpec = { $schema: VEGALITE_SCHEMA, ...spec };
  if (spec.data !== undefined) {
    return new Chart(out);
  }
  const encoding = spec.encoding as
    { x?: { field?: unknown }; y?: { field?: unknown } } | undefined;
  const xField = encoding?.x?.field;
  const yField = encoding?.y?.field;
  let picked: { indices: Uint32Array | undefined; info: IDownsampleInfo | undefined };
  if (
    typeof xField === 'string' &&
    typeof yField === 'string' &&
    table.columns.includes(xField) &&
    table.columns.includes(yField)
  ) {
    picked = pickRows(table, xField, [yField]);
  } else {
    picked = strideRows(table.numRows);
  }
  out.data = { values: inlineRows(table, table.columns, picked.indices) };
  return new Chart(out, picked.info);
}

/** Every n-th row, down to the threshold. */
function strideRows(numRows: number): {
  indices: Uint32Array | undefined;
  info: IDownsampleInfo | undefined;
} {
  if (numRows <= DOWNSAMPLE_THRESHOLD) {
    return { indices: undefined, info: undefined };
  }
  const step = Math.ceil(numRows / DOWNSAMPLE_THRESHOLD);
  const indices = new Uint32Array(Math.ceil(numRows / step));
  for (let i = 0, k = 0; i < numRows; i += step, k++) {
    indices[k] = i;
  }
  return {
    indices,
    info: { fromRows: numRows, toRows: indices.length, rule: `every ${step}th row` }
  };
}

/**
 * The rows to inline: all of them for a small table, otherwise the M4 selection (first,
 * last, min and max y per x bin and y column), in table order.
 */
function pickRows(
  table: Table,
  xName: string,
  ys: readonly string[]
): { indices: Uint32Array | undefined; info: IDownsampleInfo | undefined } {
  const n = table.numRows;
  if (n <= DOWNSAMPLE_THRESHOLD) {
    return { indices: undefined, info: undefined };
  }
  const binOf = binner(table.storage(xName), n);
  const bins = DOWNSAMPLE_BINS;
  const keep = new Uint8Array(n);
  const first = new Int32Array(bins);
  const last = new Int32Array(bins);
  const minAt = new Int32Array(bins);
  const maxAt = new Int32Array(bins);
  const minV = new Float64Array(bins);
  const maxV = new Float64Array(bins);
  for (const yName of ys) {
    const y = numericValues(table.storage(yName));
    first.fill(-1);
    minV.fill(Number.POSITIVE_INFINITY);
    maxV.fill(Number.NEGATIVE_INFINITY);
    for (let i = 0; i < n; i++) {
      const b = binOf(i);
      const v = y === undefined ? 0 : y[i];
      if (b < 0 || Number.isNaN(v)) {
        continue;
      }
      if (first[b] < 0) {
        first[b] = i;
      }
      last[b] = i;
      if (v < minV[b]) {
        minV[b] = v;
        minAt[b] = i;
      }
      if (v > maxV[b]) {
        maxV[b] = v;
        maxAt[b] = i;
      }
    }
    for (let b = 0; b < bins; b++) {
      if (first[b] >= 0) {
        keep[first[b]] = 1;
        keep[last[b]] = 1;
        keep[minAt[b]] = 1;
        keep[maxAt[b]] = 1;
      }
    }
  }
  let count = 0;
  for (let i = 0; i < n; i++) {
    count += keep[i];
  }
  const indices = new Uint32Array(count);
  for (let i = 0, k = 0; i < n; i++) {
    if (keep[i]) {
      indices[k++] = i;
    }
  }
  return {
    indices,
    info: {
      fromRows: n,
      toRows: count,
      rule: `first, last, min and max of each y per ${bins} bins of ${xName} (M4)`
    }
  };
}

/** Numeric view of a y column (dates as epoch ms); undefined for text, which has no extremes. */
function numericValues(s: ColumnStorage): Float64Array | undefined {
  return s.type === 'number' || s.type === 'integer' || s.type === 'date' ? s.values : undefined;
}

/** Row → bin: equal-width bins of x's value range, or of row order when x is not numeric. */
function binner(x: ColumnStorage, n: number): (i: number) => number {
  const bins = DOWNSAMPLE_BINS;
  const values = numericValues(x);
  if (values === undefined) {
    return i => Math.min(bins - 1, Math.floor((i * bins) / n));
  }
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v < lo) {
      lo = v;
    }
    if (v > hi) {
      hi = v;
    }
  }
  if (!(hi > lo)) {
    return i => (Number.isNaN(values[i]) ? -1 : Math.min(bins - 1, Math.floor((i * bins) / n)));
  }
  const width = (hi - lo) / bins;
  return i => {
    const v = values[i];
    return Number.isNaN(v) ? -1 : Math.min(bins - 1, Math.floor((v - lo) / width));
  };
}

/** Rows as plain objects with only the named columns; dates as epoch ms, nulls as null. */
function inlineRows(
  table: Table,
  names: readonly string[],
  indices: Uint32Array | undefined
): Record<string, string | number | boolean | null>[] {
  const unique = [...new Set(names)];
  const stores = unique.map(name => table.storage(name));
  const count = indices ? indices.length : table.numRows;
  const rows: Record<string, string | number | boolean | null>[] = new Array(count);
  for (let k = 0; k < count; k++) {
    const i = indices ? indices[k] : k;
    const row: Record<string, string | number | boolean | null> = {};
    for (let c = 0; c < unique.length; c++) {
      const s = stores[c];
      let v: string | number | boolean | null;
      if (s.type === 'string') {
        v = s.values[i];
      } else if (s.type === 'boolean') {
        v = s.values[i] === BOOLEAN_NULL ? null : s.values[i] === 1;
      } else {
        const f = s.values[i];
        v = Number.isNaN(f) ? null : f;
      }
      row[unique[c]] = v;
    }
    rows[k] = row;
  }
  return rows;
}

/** `vega`, loaded on first use (ESM-only: see the module comment; Node caches the module). */
function loadVega(): Promise<VegaModule> {
  return import('vega');
}

/** `vega-lite`, loaded on first use. */
function loadVegaLite(): Promise<VegaLiteModule> {
  return import('vega-lite');
}
