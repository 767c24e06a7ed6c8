/**
 * The code of the cells the commands insert: ready-to-run TypeScript for the tslab kernel,
 * using the kernel-helpers notebook verbs (docs/notebook-verbs.md). Pure functions.
 *
 * Every value from outside (collection ids, paths, file names) enters the code through
 * `JSON.stringify`, so a file named `'); process.exit(1); ('` stays a string literal.
 */

/** The lines that create the `globus` session. */
export const CONNECT_CELL = [
  "import * as tslab from 'tslab';",
  "import { connect } from '@jupyterlab-globus-kit/kernel-helpers';",
  '',
  'const globus = await connect({ display: tslab });'
].join('\n');

/**
 * Whether a notebook already connects: some cell calls kernel-helpers' `connect(`.
 *
 * @param sources - the source of every cell.
 */
export function hasConnect(sources: readonly string[]): boolean {
  return sources.some(
    s => /@jupyterlab-globus-kit\/kernel-helpers/.test(s) && /\bconnect\s*\(/.test(s)
  );
}

/**
 * `code`, preceded by the connect lines when the notebook lacks them.
 *
 * @param code - the verb's lines.
 * @param sources - the notebook's cell sources.
 */
export function withConnect(code: string, sources: readonly string[]): string {
  return hasConnect(sources) ? code : `${CONNECT_CELL}\n\n${code}`;
}

/** A string literal for generated code. */
function lit(value: string): string {
  return JSON.stringify(value);
}

/**
 * A camelCase identifier from a file name (`1948.csv` → `data1948`), so cells inserted
 * for different files declare different variables.
 *
 * @param fileName - the file's name.
 * @param fallback - used when nothing usable is left.
 */
export function identifierFor(fileName: string, fallback = 'table'): string {
  const stem = fileName.replace(/\.[^.]*$/, '');
  const words = stem.split(/[^A-Za-z0-9]+/).filter(Boolean);
  if (words.length === 0) {
    return fallback;
  }
  let name = words
    .map((w, i) => (i === 0 ? w.toLowerCase() : w[0].toUpperCase() + w.slice(1).toLowerCase()))
    .join('');
  if (/^[0-9]/.test(name)) {
    name = `data${name}`;
  }
  const reserved = new Set(['globus', 'tslab', 'connect', 'await', 'class', 'const', 'default']);
  return reserved.has(name) ? `${name}Data` : name.slice(0, 40);
}

/** Where a verb acts: a collection (id or display name) and an absolute path. */
export interface ICellTarget {
  /** Collection id (or its display name). */
  collection: string;
  /** Absolute path. */
  path: string;
}

/** `globus.whoami()`. */
export function whoamiCell(): string {
  return 'await globus.whoami();';
}

/**
 * Fetch a file as a table (CSV) — `fetchCsv` for `.csv`/`.tsv`/`.txt`, else a link.
 *
 * @param target - the file.
 */
export function fetchFileCell(target: ICellTarget): string {
  const name = target.path.split('/').filter(Boolean).pop() ?? 'file';
  if (!/\.(csv|tsv|txt)$/i.test(name)) {
    return linkCell(target);
  }
  const variable = identifierFor(name);
  return [
    `const ${variable} = await globus.fetchCsv({`,
    `  collection: ${lit(target.collection)},`,
    `  path: ${lit(target.path)}`,
    '});'
  ].join('\n');
}

/**
 * List a folder.
 *
 * @param target - the folder.
 */
export function listCell(target: ICellTarget): string {
  return `await globus.ls(${lit(target.collection)}, ${lit(target.path)});`;
}

/**
 * Fetch a CSV and plot its first column against the next ones.
 *
 * @param target - a CSV file.
 */
export function plotCell(target: ICellTarget): string {
  const name = target.path.split('/').filter(Boolean).pop() ?? 'data.csv';
  const variable = identifierFor(name);
  return [
    `const ${variable} = await globus.fetchCsv({`,
    `  collection: ${lit(target.collection)},`,
    `  path: ${lit(target.path)}`,
    '});',
    `// Pick the columns to draw: ${variable}.columns lists them.`,
    `await globus.plot(${variable}, {`,
    `  x: ${variable}.columns[0],`,
    `  y: ${variable}.columns.slice(1, 3),`,
    `  title: ${lit(name)}`,
    '});'
  ].join('\n');
}

/**
 * Upload a small text file into a folder.
 *
 * @param target - the destination folder.
 */
export function uploadCell(target: ICellTarget): string {
  const folder = target.path.endsWith('/') ? target.path : `${target.path}/`;
  return [
    `const uploaded = await globus.upload('Hello from JupyterLab\\n', {`,
    `  collection: ${lit(target.collection)},`,
    `  path: ${lit(`${folder}hello-from-jupyterlab.txt`)}`,
    '});'
  ].join('\n');
}

/**
 * Show the HTTPS and web-app links of a path.
 *
 * @param target - the file or folder.
 */
export function linkCell(target: ICellTarget): string {
  return `await globus.link(${lit(target.collection)}, ${lit(target.path)});`;
}

/**
 * Transfer a file or folder to another collection and follow the task.
 *
 * @param source - what to copy.
 * @param destination - where to (a folder).
 */
export function transferCell(source: ICellTarget, destination: ICellTarget): string {
  const isDir = source.path.endsWith('/');
  const name = source.path.split('/').filter(Boolean).pop() ?? '';
  const folder = destination.path.endsWith('/') ? destination.path : `${destination.path}/`;
  const item = isDir
    ? `{ source: ${lit(source.path)}, destination: ${lit(`${folder}${name}/`)}, recursive: true }`
    : `{ source: ${lit(source.path)}, destination: ${lit(`${folder}${name}`)} }`;
  return [
    'const task = await globus.transfer({',
    `  from: ${lit(source.collection)},`,
    `  to: ${lit(destination.collection)},`,
    `  items: [${item}],`,
    `  label: ${lit(`JupyterLab: ${name || 'transfer'}`)}`,
    '});'
  ].join('\n');
}
