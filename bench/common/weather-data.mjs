// The benchmark's data: a NOAA-style daily-summaries CSV of 45 stations × 76 years
// (1948–2023), 1,249,155 rows, about 100 MB. Same columns, quoting and value model as the
// emulator's weather files (its own generator makes each station-year), so the file is
// what a CDO export of many stations looks like: sorted by station, then date.
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, rename, stat } from 'node:fs/promises';
import { once } from 'node:events';
import { join } from 'node:path';
import { EMULATOR_DIST } from './paths.mjs';

/** Station id and name; the names vary in length like real GHCN-Daily names. */
const STATIONS = [
  ['USW00023169', 'LAS VEGAS MCCARRAN INTERNATIONAL AIRPORT, NV US'],
  ['USW00094728', 'NY CITY CENTRAL PARK, NY US'],
  ['USW00023174', 'LOS ANGELES INTERNATIONAL AIRPORT, CA US'],
  ['USW00014739', 'BOSTON, MA US'],
  ['USW00094846', "CHICAGO O'HARE INTERNATIONAL AIRPORT, IL US"],
  ['USW00023183', 'PHOENIX AIRPORT, AZ US'],
  ['USW00024233', 'SEATTLE TACOMA AIRPORT, WA US'],
  ['USW00012839', 'MIAMI INTERNATIONAL AIRPORT, FL US'],
  ['USW00003927', 'DALLAS FAA AIRPORT, TX US'],
  ['USW00023062', 'DENVER STAPLETON, CO US'],
  ['USW00013874', 'ATLANTA HARTSFIELD JACKSON INTERNATIONAL AIRPORT, GA US'],
  ['USW00014922', 'MINNEAPOLIS ST PAUL AIRPORT, MN US'],
  ['USW00024127', 'SALT LAKE CITY INTERNATIONAL AIRPORT, UT US'],
  ['USW00023234', 'SAN FRANCISCO AIRPORT, CA US'],
  ['USW00013743', 'WASHINGTON REAGAN AIRPORT, VA US'],
  ['USW00012960', 'HOUSTON INTERCONTINENTAL AIRPORT, TX US'],
  ['USW00094823', 'PITTSBURGH AIRPORT, PA US'],
  ['USW00013881', 'CHARLOTTE AIRPORT, NC US'],
  ['USW00093721', 'BALTIMORE WASHINGTON AIRPORT, MD US'],
  ['USW00014820', 'CLEVELAND, OH US'],
  ['USW00013994', 'ST LOUIS LAMBERT AIRPORT, MO US'],
  ['USW00003017', 'DENVER INTERNATIONAL AIRPORT, CO US'],
  ['USW00024229', 'PORTLAND AIRPORT, OR US'],
  ['USW00012921', 'SAN ANTONIO, TX US'],
  ['USW00023188', 'SAN DIEGO, CA US'],
  ['USW00013897', 'NASHVILLE, TN US'],
  ['USW00093819', 'INDIANAPOLIS AIRPORT, IN US'],
  ['USW00014839', 'MILWAUKEE MITCHELL AIRPORT, WI US'],
  ['USW00013957', 'SHREVEPORT, LA US'],
  ['USW00023050', 'ALBUQUERQUE AIRPORT, NM US'],
  ['USW00023160', 'TUCSON, AZ US'],
  ['USW00026451', 'ANCHORAGE TED STEVENS AIRPORT, AK US'],
  ['USW00022521', 'HONOLULU AIRPORT, HI US'],
  ['USW00024155', 'PENDLETON, OR US'],
  ['USW00024021', 'LANDER, WY US'],
  ['USW00014607', 'CARIBOU, ME US'],
  ['USW00024011', 'BISMARCK, ND US'],
  ['USW00094014', 'WILLISTON, ND US'],
  ['USW00023044', 'EL PASO, TX US'],
  ['USW00093193', 'FRESNO, CA US'],
  ['USW00024131', 'BOISE, ID US'],
  ['USW00024018', 'CHEYENNE, WY US'],
  ['USW00014742', 'BURLINGTON, VT US'],
  ['USW00013889', 'JACKSONVILLE, FL US'],
  ['USW00003928', 'WICHITA, KS US']
];
const YEARS = Array.from({ length: 76 }, (_, i) => 1948 + i);

/** Rows the file has (without the header). */
export const WEATHER_ROWS =
  YEARS.reduce((n, y) => n + ((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 366 : 365), 0) *
  STATIONS.length;

/** The file's name on the public collection (under the weather folder). */
export const WEATHER_FILE = 'bench-noaa-daily-1948-2023.csv';

/**
 * Write the CSV into `dir` (once: an existing complete file is reused).
 * @param {string} dir
 * @returns {Promise<{ path: string, bytes: number, rows: number }>}
 */
export async function ensureWeatherCsv(dir) {
  const path = join(dir, WEATHER_FILE);
  if (existsSync(path)) {
    return { path, bytes: (await stat(path)).size, rows: WEATHER_ROWS };
  }
  await mkdir(dir, { recursive: true });
  const { weatherCsv, WEATHER_STATION, WEATHER_STATION_NAME } = await import(
    `${EMULATOR_DIST}/state/weather-csv.js`
  );
  const from = `"${WEATHER_STATION}","${WEATHER_STATION_NAME}",`;
  const tmp = `${path}.part`;
  const out = createWriteStream(tmp);
  let header = true;
  for (const [s, [id, name]] of STATIONS.entries()) {
    const to = `"${id}","${name.replace(/"/g, '""')}",`;
    for (const year of YEARS) {
      let text = weatherCsv(year, s + 1);
      if (!header) text = text.slice(text.indexOf('\n') + 1);
      header = false;
      if (!out.write(text.replaceAll(from, to))) await once(out, 'drain');
    }
  }
  out.end();
  await once(out, 'finish');
  await rename(tmp, path);
  return { path, bytes: (await stat(path)).size, rows: WEATHER_ROWS };
}
