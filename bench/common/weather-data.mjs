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

/** Station-years' rows: one station over all the years. */
const ROWS_PER_STATION = YEARS.reduce(
  (n, y) => n + ((y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 366 : 365),
  0
);

/** Rows the 100 MB file has (without the header). */
export const WEATHER_ROWS = ROWS_PER_STATION * STATIONS.length;

/** The file's name on the public collection (under the weather folder). */
export const WEATHER_FILE = 'bench-noaa-daily-1948-2023.csv';

/**
 * The variants of the file the csv bench reads: the same columns, quoting and value model,
 * more or fewer stations (10 MB: 4 stations; 100 MB: the 45 above; 1 GB: 450, the 45 ten
 * times over with other ids and other weather), and the 100 MB one with 1 % irregular rows.
 */
export const WEATHER_VARIANTS = {
  '10mb': { stations: 4, irregularEvery: 0, file: 'bench-noaa-daily-10mb.csv' },
  '100mb': { stations: STATIONS.length, irregularEvery: 0, file: WEATHER_FILE },
  '1gb': { stations: 10 * STATIONS.length, irregularEvery: 0, file: 'bench-noaa-daily-1gb.csv' },
  // Every 100th data row has its station id unquoted with a stray inch mark after it
  // (`USW00023169"`): legal for papaparse, pandas and pyarrow (a quote inside an unquoted
  // field is kept), not for the byte tokenizer, so each chunk holding one is parsed by
  // papaparse — with ~800 rows per 64 KiB chunk, nearly all of them.
  irregular: {
    stations: STATIONS.length,
    irregularEvery: 100,
    file: 'bench-noaa-daily-irregular.csv'
  }
};

/** Data rows of a variant. */
export function weatherRows(variant = '100mb') {
  return ROWS_PER_STATION * WEATHER_VARIANTS[variant].stations;
}

/** Station `i` of a variant: the 45 above first, then the same names under other ids. */
function station(i) {
  const [id, name] = STATIONS[i % STATIONS.length];
  if (i < STATIONS.length) return [id, name];
  return [`USC${String(i).padStart(8, '0')}`, name];
}

/**
 * Write a variant of the CSV into `dir` (once: an existing complete file is reused).
 * @param {string} dir
 * @param {keyof typeof WEATHER_VARIANTS} [variant]
 * @returns {Promise<{ path: string, bytes: number, rows: number }>}
 */
export async function ensureWeatherCsv(dir, variant = '100mb') {
  const { stations, irregularEvery, file } = WEATHER_VARIANTS[variant];
  const rows = weatherRows(variant);
  const path = join(dir, file);
  if (existsSync(path)) {
    return { path, bytes: (await stat(path)).size, rows };
  }
  await mkdir(dir, { recursive: true });
  const { weatherCsv, WEATHER_STATION, WEATHER_STATION_NAME } = await import(
    `${EMULATOR_DIST}/state/weather-csv.js`
  );
  const from = `"${WEATHER_STATION}","${WEATHER_STATION_NAME}",`;
  const tmp = `${path}.part`;
  const out = createWriteStream(tmp);
  let header = true;
  let row = 0;
  for (let s = 0; s < stations; s++) {
    const [id, name] = station(s);
    const to = `"${id}","${name.replace(/"/g, '""')}",`;
    for (const year of YEARS) {
      let text = weatherCsv(year, s + 1);
      if (!header) text = text.slice(text.indexOf('\n') + 1);
      header = false;
      text = text.replaceAll(from, to);
      if (irregularEvery) {
        const lines = text.split('\n');
        for (let l = 0; l < lines.length; l++) {
          if (!lines[l] || lines[l].startsWith('"STATION"')) continue;
          row++;
          if (row % irregularEvery === 0) {
            lines[l] = `${id}"${lines[l].slice(id.length + 2)}`;
          }
        }
        text = lines.join('\n');
      }
      if (!out.write(text)) await once(out, 'drain');
    }
  }
  out.end();
  await once(out, 'finish');
  await rename(tmp, path);
  return { path, bytes: (await stat(path)).size, rows };
}
