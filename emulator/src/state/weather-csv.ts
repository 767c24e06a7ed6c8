/**
 * NOAA-style daily weather CSVs for the seeded public collection, in the layout of NCEI's
 * Climate Data Online "Daily Summaries" export the tutorial reads (every field quoted, a
 * comma inside NAME). Values are synthetic but plausible for Las Vegas: seasonal
 * temperatures in °F with TMAX above TMIN, rare rain, rarer snow, and some empty cells as
 * the real export has. Generated from a seed, so every run of the emulator serves the same
 * bytes.
 */
import { createSeededRandom } from './seeded-random.js';

/** The station every generated row names. */
export const WEATHER_STATION = 'USW00023169';
/** The station's name, comma included (it must be quoted in CSV). */
export const WEATHER_STATION_NAME = 'LAS VEGAS MCCARRAN INTERNATIONAL AIRPORT, NV US';
/** Column order of the export. */
export const WEATHER_COLUMNS = ['STATION', 'NAME', 'DATE', 'PRCP', 'SNOW', 'SNWD', 'TMAX', 'TMIN'];
/** Years the public collection holds, one file each (`1948.csv` … `1960.csv`). */
export const WEATHER_YEARS: readonly number[] = Array.from({ length: 13 }, (_, i) => 1948 + i);

function quote(v: string): string {
  return `"${v.replace(/"/g, '""')}"`;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/**
 * Builds one year of daily rows.
 * @param year - calendar year (leap years get 366 rows)
 * @param seed - the emulator seed; the same seed and year give the same text
 * @returns CSV text with a header line and `\n` line ends
 */
export function weatherCsv(year: number, seed = 0): string {
  const random = createSeededRandom((seed * 7919 + year * 104729) | 0);
  const noise = (spread: number) => (random() + random() + random() - 1.5) * spread;
  const lines = [WEATHER_COLUMNS.map(quote).join(',')];
  const start = Date.UTC(year, 0, 1);
  const days = (Date.UTC(year + 1, 0, 1) - start) / 86_400_000;
  let snowDepth = 0;
  for (let d = 0; d < days; d++) {
    const date = new Date(start + d * 86_400_000);
    const season = Math.cos((2 * Math.PI * (d - 197)) / 365);
    const tmax = Math.round(80 + 24 * season + noise(8));
    const spread = Math.max(8, Math.round(24 + 4 * season + noise(6)));
    const tmin = tmax - spread;
    // Las Vegas: ~4 inches of rain a year, mostly winter and the summer monsoon.
    const wetChance = 0.04 + 0.03 * Math.max(0, -season) + (d > 190 && d < 250 ? 0.03 : 0);
    let prcp = 0;
    if (random() < wetChance) prcp = Math.round(-Math.log(1 - random()) * 18) / 100;
    let snow = 0;
    if (prcp > 0 && tmin < 32 && tmax < 45) snow = Math.round(prcp * 100) / 10;
    snowDepth = snow > 0 ? Math.round(snowDepth + snow) : Math.max(0, snowDepth - 1);
    const row = [
      WEATHER_STATION,
      WEATHER_STATION_NAME,
      `${year}${pad(date.getUTCMonth() + 1, 2)}${pad(date.getUTCDate(), 2)}`,
      random() < 0.005 ? '' : prcp.toFixed(2),
      random() < 0.03 ? '' : snow.toFixed(1),
      random() < 0.06 ? '' : String(snowDepth),
      String(tmax),
      String(tmin)
    ];
    lines.push(row.map(quote).join(','));
  }
  return lines.join('\n') + '\n';
}
