/**
 * The code of the cells the OIDC commands insert (issue #9): ready-to-run TypeScript for
 * the tslab kernel with kernel-helpers' `connectOidc()` session (`oidc`), as in
 * `notebooks/oidc-s3-workspace.ipynb`. Pure functions.
 *
 * Workspace names, prefixes and keys enter the code through `JSON.stringify`, so an object
 * named `'); process.exit(1); ('` stays a string literal.
 */
import { identifierFor } from './cell-snippets';

/** The lines that create the `oidc` session (provider and platform from the environment). */
export const OIDC_CONNECT_CELL = [
  "import * as tslab from 'tslab';",
  "import { connectOidc } from '@jupyterlab-globus-kit/kernel-helpers';",
  '',
  'const oidc = await connectOidc({ display: tslab });'
].join('\n');

/**
 * Whether a notebook already has the `oidc` session: some cell calls `connectOidc(`.
 *
 * @param sources - the source of every cell.
 */
export function hasOidcConnect(sources: readonly string[]): boolean {
  return sources.some(s => /\bconnectOidc\s*\(/.test(s));
}

/**
 * `code`, preceded by the `connectOidc` lines when the notebook lacks them.
 *
 * @param code - the cell's lines.
 * @param sources - the notebook's cell sources.
 */
export function withOidcConnect(code: string, sources: readonly string[]): string {
  return hasOidcConnect(sources) ? code : `${OIDC_CONNECT_CELL}\n\n${code}`;
}

/** `oidc.whoami()`: the connect cell's natural first line. */
export function oidcWhoamiCell(): string {
  return 'await oidc.whoami();';
}

/** `oidc.workspaces()`: the table of the login's workspaces. */
export function workspacesCell(): string {
  return 'await oidc.workspaces();';
}

/**
 * List a folder of a workspace.
 *
 * @param workspace - the workspace name.
 * @param prefix - the folder relative to the workspace (`""` for the top).
 */
export function workspaceLsCell(workspace: string, prefix: string): string {
  return `await (await oidc.workspace(${JSON.stringify(workspace)})).ls(${JSON.stringify(prefix)});`;
}

/**
 * Fetch a CSV from a workspace as a table.
 *
 * @param workspace - the workspace name.
 * @param key - the object key relative to the workspace.
 */
export function workspaceFetchCsvCell(workspace: string, key: string): string {
  const stem = identifierFor(key.split('/').pop() ?? key);
  const name = stem === 'oidc' ? 'oidcData' : stem;
  return `const ${name} = await oidc.fetchCsv({ workspace: ${JSON.stringify(workspace)}, key: ${JSON.stringify(key)} });\n${name};`;
}
