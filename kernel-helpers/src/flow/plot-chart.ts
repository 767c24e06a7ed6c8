/**
 * `globus.plot(table, spec)`: a vega-lite chart shown by JupyterLab's built-in renderer.
 */
import { escapeHtml, HtmlBundle } from '../display/html';
import {
  buildChartSpec,
  type Chart,
  type IPlotSpec,
  VEGALITE_MIME,
  type VegaLiteSpec
} from './plot';
import type { Table } from './table';
import {
  type IVerbContext,
  type IVerbOptions,
  runVerb,
  showHtml,
  showJson,
  throwIfAborted
} from './verb-context';

/**
 * Build the chart, show it as `application/vnd.vegalite.v5+json` (an object, as
 * JupyterLab's renderer wants), and return it (`chart.toPng()`, `chart.toSvg()`,
 * `chart.spec`). A downsampled table gets a one-line note under the chart.
 *
 * @param ctx - the session
 * @param table - the data
 * @param spec - `{ x, y, title }` or a full vega-lite spec
 * @param options - signal
 * @throws BadInputError when a named column does not exist
 */
export function plot(
  ctx: Pick<IVerbContext, 'display'>,
  table: Table,
  spec: IPlotSpec | VegaLiteSpec,
  options: IVerbOptions = {}
): Promise<Chart> {
  const title = typeof spec.title === 'string' ? spec.title : 'chart';
  return runVerb(ctx, `Plotting ${title}`, async ({ progress }) => {
    throwIfAborted(options.signal);
    const chart = buildChartSpec(table, spec);
    progress.update({ rows: table.numRows });
    showJson(ctx.display, VEGALITE_MIME, chart.spec, chartFallback(chart));
    if (chart.downsampled) {
      const d = chart.downsampled;
      const note = `Downsampled ${d.fromRows.toLocaleString('en-US')} rows to ${d.toRows.toLocaleString('en-US')}: ${d.rule}`;
      showHtml(
        ctx.display,
        new HtmlBundle(`<div class="jp-GlobusKit-Note">${escapeHtml(note)}</div>`, note)
      );
    }
    return chart;
  });
}

/** What a display without `raw` shows instead of the chart. */
function chartFallback(chart: Chart): HtmlBundle {
  const text = chart.toString();
  return new HtmlBundle(`<div>${escapeHtml(text)}</div>`, text);
}
