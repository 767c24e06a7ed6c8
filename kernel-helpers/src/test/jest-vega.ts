/**
 * jest's ESM loader fails ("request for './accessor.js' is not in cache") when two dynamic
 * imports link the same module graph at once, as Chart.toSvg()'s Promise.all of vega and
 * vega-lite does. Node's own loader needs no help; under jest, a test file that renders a
 * chart loads the two one after the other first, in a beforeAll.
 */
export async function preloadVega(): Promise<void> {
  await import('vega');
  await import('vega-lite');
}
