// What a benchmark runner hands back to bench/run.mjs: one table (rows of tool, wall time,
// peak RSS, throughput, notes) and the ratio lines. Written as JSON to $BENCH_OUT, or
// printed when a runner is started on its own.

/**
 * @typedef {{ tool: string, wallS?: number, peakRssMb?: number, throughput?: string, notes?: string }} IRow
 * @typedef {{ title: string, rows: IRow[], ratios: string[], facts?: Record<string, string> }} IReport
 */

import { writeFile } from 'node:fs/promises';

/** @param {IReport} report */
export async function writeReport(report) {
  if (process.env.BENCH_OUT) {
    await writeFile(process.env.BENCH_OUT, JSON.stringify(report, null, 2));
  } else {
    process.stdout.write(JSON.stringify(report, null, 2) + '\n');
  }
}

/** Progress for the person watching (stderr, so stdout stays clean). */
export function progress(message) {
  process.stderr.write(`  · ${message}\n`);
}

/** "met" / "missed" for a target. */
export function verdict(ok) {
  return ok ? 'met' : 'MISSED';
}

/** Number of runs of each measured tool (median reported); BENCH_RUNS overrides. */
export function runCount(fallback = 3) {
  const n = Number(process.env.BENCH_RUNS);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

/** A ratio as `0.83×`. */
export function times(x) {
  return `${x >= 10 ? x.toFixed(0) : x >= 1 ? x.toFixed(2) : x.toFixed(2)}×`;
}
