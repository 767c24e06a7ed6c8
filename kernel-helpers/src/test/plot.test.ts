import assert from 'node:assert/strict';
import {
  buildChartSpec,
  Chart,
  DOWNSAMPLE_BINS,
  DOWNSAMPLE_THRESHOLD,
  VEGALITE_MIME,
  VEGALITE_SCHEMA
} from '../flow/plot';
import { Table } from '../flow/table';
import { isBadInputError } from '../errors/bad-input-error';
import { preloadVega } from './jest-vega';

const DAY = 86_400_000;

function weather(): Table {
  return Table.fromColumns({
    DATE: [0, 1, 2].map(i => new Date(Date.UTC(1952, 0, 1) + i * DAY)),
    TMIN: [33, null, 31],
    TMAX: [56, 58, 60],
    NAME: ['a', 'b', 'c']
  });
}

type Row = Record<string, number | string | boolean | null>;

function values(chart: Chart): Row[] {
  return (chart.spec.data as { values: Row[] }).values;
}

describe('buildChartSpec', () => {
  describe('short spec', () => {
    it('should fold several y columns into one axis with a legend, in the given order', () => {
      const chart = buildChartSpec(weather(), {
        x: 'DATE',
        y: ['TMIN', 'TMAX'],
        title: 'Temperatures 1952'
      });
      const spec = chart.spec;
      assert.equal(spec.$schema, VEGALITE_SCHEMA);
      assert.equal(spec.title, 'Temperatures 1952');
      assert.deepEqual(spec.mark, { type: 'line' });
      assert.deepEqual(spec.transform, [{ fold: ['TMIN', 'TMAX'], as: ['series', 'value'] }]);
      const enc = spec.encoding as Record<string, Record<string, unknown>>;
      assert.deepEqual(enc.x, {
        field: 'DATE',
        type: 'temporal',
        scale: { type: 'utc' },
        title: 'DATE'
      });
      assert.equal(enc.y.field, 'value');
      assert.deepEqual(enc.color.sort, ['TMIN', 'TMAX']);
      assert.deepEqual(values(chart), [
        { DATE: Date.UTC(1952, 0, 1), TMIN: 33, TMAX: 56 },
        { DATE: Date.UTC(1952, 0, 2), TMIN: null, TMAX: 58 },
        { DATE: Date.UTC(1952, 0, 3), TMIN: 31, TMAX: 60 }
      ]);
      assert.equal(chart.downsampled, undefined);
    });

    it('should plot one y column directly, with the mark and size asked for', () => {
      const chart = buildChartSpec(weather(), {
        x: 'NAME',
        y: 'TMAX',
        mark: 'bar',
        width: 300,
        height: 100
      });
      assert.equal(chart.spec.transform, undefined);
      assert.deepEqual(chart.spec.mark, { type: 'bar' });
      assert.equal(chart.spec.width, 300);
      assert.equal(chart.spec.height, 100);
      const enc = chart.spec.encoding as Record<string, Record<string, unknown>>;
      assert.equal(enc.x.type, 'ordinal');
      assert.deepEqual(enc.y, { field: 'TMAX', type: 'quantitative', title: 'TMAX' });
    });

    it('should throw a BadInputError for a column that does not exist', () => {
      assert.throws(() => buildChartSpec(weather(), { x: 'DATE', y: 'TAVG' }), isBadInputError);
    });
  });

  describe('full spec', () => {
    it('should pass a vega-lite spec through with the table inlined', () => {
      const chart = buildChartSpec(weather(), {
        mark: 'point',
        encoding: { x: { field: 'TMIN', type: 'quantitative' }, y: { field: 'TMAX' } }
      });
      assert.equal(chart.spec.mark, 'point');
      assert.equal(chart.spec.$schema, VEGALITE_SCHEMA);
      assert.equal(values(chart).length, 3);
      assert.deepEqual(Object.keys(values(chart)[0]), ['DATE', 'TMIN', 'TMAX', 'NAME']);
    });

    it('should keep data the spec brings itself', () => {
      const chart = buildChartSpec(weather(), { mark: 'bar', data: { url: 'x.csv' } });
      assert.deepEqual(chart.spec.data, { url: 'x.csv' });
    });

    it('should thin a large table to every n-th row when x and y are not named', () => {
      const n = 20_000;
      const t = Table.fromColumns({ v: Float64Array.from({ length: n }, (_, i) => i) });
      const chart = buildChartSpec(t, { mark: 'tick', encoding: {} });
      assert.ok(values(chart).length <= DOWNSAMPLE_THRESHOLD);
      assert.equal(chart.downsampled?.fromRows, n);
    });
  });

  describe('downsampling', () => {
    it('should keep min and max per x bin for 1.25 M rows and stay under 1 MB of JSON', () => {
      const n = 1_250_000;
      const date = new Float64Array(n);
      const tmin = new Float64Array(n);
      const tmax = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        date[i] = Date.UTC(1952, 0, 1) + i * 60_000;
        tmin[i] = Math.sin(i / 3000) * 20;
        tmax[i] = tmin[i] + 10 + ((i * 7919) % 13); // jagged: extremes anywhere in a bin
      }
      tmin[123_457] = -1000; // a spike that must survive
      tmax[999_999] = 1000;
      const t = Table.fromColumns(
        { DATE: date, TMIN: tmin, TMAX: tmax },
        { types: { DATE: 'date' } }
      );
      const chart = buildChartSpec(t, { x: 'DATE', y: ['TMIN', 'TMAX'], title: 'big' });
      const json = JSON.stringify(chart.spec);
      assert.ok(json.length < 1_000_000, `${json.length} bytes`);
      const rows = values(chart);
      assert.ok(rows.length <= 4 * DOWNSAMPLE_BINS * 2);
      assert.equal(chart.downsampled?.fromRows, n);
      assert.equal(chart.downsampled?.toRows, rows.length);

      // Per bin and series, the kept rows hold the bin's true min and max.
      const lo = date[0];
      const width = (date[n - 1] - lo) / DOWNSAMPLE_BINS;
      const binOf = (x: number): number =>
        Math.min(DOWNSAMPLE_BINS - 1, Math.floor((x - lo) / width));
      for (const [name, col] of [
        ['TMIN', tmin],
        ['TMAX', tmax]
      ] as const) {
        const trueMin = new Float64Array(DOWNSAMPLE_BINS).fill(Infinity);
        const trueMax = new Float64Array(DOWNSAMPLE_BINS).fill(-Infinity);
        for (let i = 0; i < n; i++) {
          const b = binOf(date[i]);
          trueMin[b] = Math.min(trueMin[b], col[i]);
          trueMax[b] = Math.max(trueMax[b], col[i]);
        }
        const keptMin = new Float64Array(DOWNSAMPLE_BINS).fill(Infinity);
        const keptMax = new Float64Array(DOWNSAMPLE_BINS).fill(-Infinity);
        for (const r of rows) {
          const b = binOf(r.DATE as number);
          keptMin[b] = Math.min(keptMin[b], r[name] as number);
          keptMax[b] = Math.max(keptMax[b], r[name] as number);
        }
        assert.deepEqual(keptMin, trueMin, `${name} minima`);
        assert.deepEqual(keptMax, trueMax, `${name} maxima`);
      }
      assert.ok(rows.some(r => r.TMIN === -1000));
      assert.ok(rows.some(r => r.TMAX === 1000));
    });

    it('should not touch a table at the threshold', () => {
      const n = DOWNSAMPLE_THRESHOLD;
      const t = Table.fromColumns({
        x: Float64Array.from({ length: n }, (_, i) => i),
        y: Float64Array.from({ length: n }, (_, i) => i % 7)
      });
      const chart = buildChartSpec(t, { x: 'x', y: 'y' });
      assert.equal(values(chart).length, n);
      assert.equal(chart.downsampled, undefined);
    });
  });
});

describe('Chart', () => {
  const chart = buildChartSpec(weather(), {
    x: 'DATE',
    y: ['TMIN', 'TMAX'],
    title: 'Las Vegas 1952 <min & max>'
  });

  describe('#toSvg', () => {
    beforeAll(preloadVega);

    it('should render an SVG document holding the (escaped) title text', async () => {
      const svg = await chart.toSvg();
      assert.match(svg, /^<svg[\s>]/);
      assert.ok(svg.includes('Las Vegas 1952 &lt;min &amp; max&gt;'), 'title in the SVG');
      assert.ok(svg.includes('TMAX'), 'legend entry in the SVG');
    });
  });

  describe('#toPng', () => {
    it('should render PNG bytes whose size follows the scale', async () => {
      const png1 = await chart.toPng();
      const png2 = await chart.toPng({ scale: 2 });
      const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
      assert.deepEqual([...png1.subarray(0, 8)], signature);
      const width = (png: Uint8Array): number => Buffer.from(png).readUInt32BE(16); // IHDR
      assert.ok(width(png1) > 600, `width ${width(png1)}`);
      assert.equal(width(png2), width(png1) * 2);
    });

    it('should reject a silly scale', async () => {
      await assert.rejects(chart.toPng({ scale: 100 }), isBadInputError);
    });
  });

  describe('#toMimeBundle', () => {
    it('should carry the spec as an object under the vega-lite v5 type', () => {
      const bundle = chart.toMimeBundle();
      assert.equal(bundle[VEGALITE_MIME], chart.spec);
      assert.equal(bundle['text/plain'], 'Chart("Las Vegas 1952 <min & max>", 3 rows)');
    });
  });
});
