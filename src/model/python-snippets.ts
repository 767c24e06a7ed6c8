/**
 * The code of the cells the commands insert into Python (ipykernel) notebooks, and which
 * kernel a notebook runs. Pure functions.
 *
 * Credentials come from `jupyterlab_globus_kit.kernel` (the server's token broker;
 * docs/python.md): `authorizer(...)` for globus-sdk clients, `access_token(collection)`
 * for a collection's HTTPS server, `https_url` / `web_app_url` for its links. Each cell
 * carries its own imports, so cells run in any order.
 *
 * The globus-sdk calls follow its documented API (Python SDK v3 and later):
 * - `TransferClient(authorizer=...)`, `operation_ls(collection_id, path=...)`,
 *   `submit_transfer(data)`, `task_wait(task_id, timeout=..., polling_interval=...)`,
 *   `get_task(task_id)`, `add_endpoint_acl_rule(endpoint_id, rule_data)`:
 *   https://globus-sdk-python.readthedocs.io/en/stable/services/transfer.html
 * - `TransferData(source_endpoint=..., destination_endpoint=..., label=..., sync_level=...,
 *   verify_checksum=...)` and `add_item(source_path, destination_path, recursive=...)`:
 *   https://globus-sdk-python.readthedocs.io/en/stable/services/transfer.html#globus_sdk.TransferData
 * - `AuthClient(authorizer=...)`, `userinfo()`, `get_identities(usernames=...)`:
 *   https://globus-sdk-python.readthedocs.io/en/stable/services/auth.html
 * - the authorizer protocol (`get_authorization_header`, `handle_missing_authorization`):
 *   https://globus-sdk-python.readthedocs.io/en/stable/authorization/globus_authorizers.html
 * - access rules (`DATA_TYPE: access`, `principal_type`, `principal`, `path`,
 *   `permissions`): https://docs.globus.org/api/transfer/acl/#rest_access_create
 *
 * Every value from outside (collection ids, paths, file names) enters the code through
 * {@link py}, a Python string literal that cannot be closed early.
 */
import { ICellTarget, identifierFor } from './cell-snippets';

/** The language of a notebook's kernel, as the commands see it. */
export type CellLanguage = 'typescript' | 'python' | 'other' | 'none';

/** A notebook's `kernelspec` metadata (only the fields read here). */
export interface IKernelSpecLike {
  /** The kernel's name, e.g. `tslab`, `python3`. */
  name?: unknown;
  /** The kernel's language, e.g. `typescript`, `python`. */
  language?: unknown;
  /** The name shown to users. */
  display_name?: unknown;
}

/**
 * The language the commands write cells in, from a notebook's kernelspec: `typescript`
 * for tslab, `python` for a Python kernel, `other` for any other kernel, `none` when the
 * notebook has no kernel yet.
 *
 * @param spec - the notebook's `kernelspec` metadata
 */
export function cellLanguageOf(spec: IKernelSpecLike | null | undefined): CellLanguage {
  const name = typeof spec?.name === 'string' ? spec.name.toLowerCase() : '';
  const language = typeof spec?.language === 'string' ? spec.language.toLowerCase() : '';
  if (!name && !language) {
    return 'none';
  }
  if (name === 'tslab' || language === 'typescript') {
    return 'typescript';
  }
  if (language === 'python' || (!language && /^python\d*$/.test(name))) {
    return 'python';
  }
  return 'other';
}

/**
 * A Python string literal for `value` (JSON's escapes are valid Python; the Python-only
 * ones are not needed). A quote, backslash or newline in a name stays inside the string.
 *
 * @param value - any text
 */
export function py(value: string): string {
  return JSON.stringify(value);
}

const IMPORT_AUTHORIZER = 'from jupyterlab_globus_kit.kernel import authorizer';
const TRANSFER_CLIENT =
  'tc = globus_sdk.TransferClient(authorizer=authorizer("transfer.api.globus.org"))';

/** Who is logged in (globus-sdk's Auth userinfo) and the tokens' status. */
export function pythonWhoamiCell(): string {
  return [
    'import globus_sdk',
    'from jupyterlab_globus_kit.kernel import authorizer, tokens',
    '',
    'auth = globus_sdk.AuthClient(authorizer=authorizer("auth.globus.org"))',
    'me = auth.userinfo()',
    'print(me["preferred_username"], me["sub"])',
    'tokens()'
  ].join('\n');
}

/**
 * List a folder with globus-sdk's `operation_ls`.
 *
 * @param target - the folder
 */
export function pythonListCell(target: ICellTarget): string {
  return [
    'import globus_sdk',
    IMPORT_AUTHORIZER,
    '',
    TRANSFER_CLIENT,
    `for entry in tc.operation_ls(${py(target.collection)}, path=${py(target.path)}):`,
    '    print(entry["type"], entry["name"], entry.get("size"))'
  ].join('\n');
}

/** The lines that download `target` over HTTPS into `content` (bytes). */
function downloadLines(target: ICellTarget): string[] {
  return [
    'import io',
    '',
    'import requests',
    'from jupyterlab_globus_kit.kernel import access_token, https_url',
    '',
    `collection = ${py(target.collection)}`,
    `url = https_url(collection, ${py(target.path)})`,
    'response = requests.get(',
    '    url, headers={"Authorization": f"Bearer {access_token(collection)}"}, timeout=60',
    ')',
    'response.raise_for_status()'
  ];
}

/** Python keywords and the names the cells use themselves. */
const PYTHON_TAKEN = new Set(
  (
    'False None True and as assert async await break class continue def del elif else ' +
    'except finally for from global if import in is lambda nonlocal not or pass raise ' +
    'return try while with yield match case pd io requests response collection url df'
  ).split(' ')
);

/**
 * A snake_case Python variable from a file name (`my-data_2024.csv` → `my_data2024`).
 *
 * @param fileName - the file's name
 */
export function pythonIdentifierFor(fileName: string): string {
  const name = identifierFor(fileName).replace(/[A-Z]/g, c => `_${c.toLowerCase()}`);
  return PYTHON_TAKEN.has(name) ? `${name}_data` : name;
}

/**
 * Fetch a CSV over the collection's HTTPS server into a pandas DataFrame (a link cell for
 * other files).
 *
 * @param target - the file
 */
export function pythonFetchFileCell(target: ICellTarget): string {
  const name = target.path.split('/').filter(Boolean).pop() ?? 'file';
  if (!/\.(csv|tsv|txt)$/i.test(name)) {
    return pythonLinkCell(target);
  }
  const variable = pythonIdentifierFor(name);
  const sep = /\.tsv$/i.test(name) ? ', sep="\\t"' : '';
  return [
    'import pandas as pd',
    ...downloadLines(target),
    `${variable} = pd.read_csv(io.BytesIO(response.content)${sep})`,
    variable
  ].join('\n');
}

/**
 * Fetch a CSV and plot its first column against the next two (pandas + matplotlib).
 *
 * @param target - a CSV file
 */
export function pythonPlotCell(target: ICellTarget): string {
  const name = target.path.split('/').filter(Boolean).pop() ?? 'data.csv';
  return [
    'import pandas as pd',
    ...downloadLines(target),
    'df = pd.read_csv(io.BytesIO(response.content))',
    '# Pick the columns to draw: df.columns lists them.',
    `df.plot(x=df.columns[0], y=list(df.columns[1:3]), title=${py(name)})`
  ].join('\n');
}

/**
 * Upload a small text file into a folder over the collection's HTTPS server.
 *
 * @param target - the destination folder
 */
export function pythonUploadCell(target: ICellTarget): string {
  const folder = target.path.endsWith('/') ? target.path : `${target.path}/`;
  return [
    'import requests',
    'from jupyterlab_globus_kit.kernel import access_token, https_url',
    '',
    `collection = ${py(target.collection)}`,
    `url = https_url(collection, ${py(`${folder}hello-from-jupyterlab.txt`)})`,
    'response = requests.put(',
    '    url,',
    '    data=b"Hello from JupyterLab\\n",',
    '    headers={"Authorization": f"Bearer {access_token(collection)}"},',
    '    timeout=60,',
    ')',
    'response.raise_for_status()',
    'print("uploaded", url)'
  ].join('\n');
}

/**
 * Print the HTTPS URL and the web app link of a path.
 *
 * @param target - the file or folder
 */
export function pythonLinkCell(target: ICellTarget): string {
  return [
    'from jupyterlab_globus_kit.kernel import https_url, web_app_url',
    '',
    `collection = ${py(target.collection)}`,
    `path = ${py(target.path)}`,
    'print("HTTPS:  ", https_url(collection, path))',
    'print("Web app:", web_app_url(collection, path))'
  ].join('\n');
}

/**
 * Transfer a file or folder with globus-sdk's `TransferData` (the options of the
 * transfer dialog: label, sync level, checksum verification) and wait for the task.
 *
 * @param source - what to copy
 * @param destination - where to (a folder)
 */
export function pythonTransferCell(source: ICellTarget, destination: ICellTarget): string {
  const isDir = source.path.endsWith('/');
  const name = source.path.split('/').filter(Boolean).pop() ?? '';
  const folder = destination.path.endsWith('/') ? destination.path : `${destination.path}/`;
  const to = isDir ? `${folder}${name}/` : `${folder}${name}`;
  return [
    'import globus_sdk',
    IMPORT_AUTHORIZER,
    '',
    TRANSFER_CLIENT,
    'tdata = globus_sdk.TransferData(',
    `    source_endpoint=${py(source.collection)},`,
    `    destination_endpoint=${py(destination.collection)},`,
    `    label=${py(`JupyterLab: ${name || 'transfer'}`)},`,
    '    sync_level=None,  # or "exists", "size", "mtime", "checksum"',
    '    verify_checksum=True,',
    ')',
    `tdata.add_item(${py(source.path)}, ${py(to)}${isDir ? ', recursive=True' : ''})`,
    'task = tc.submit_transfer(tdata)',
    'print("task", task["task_id"])',
    'tc.task_wait(task["task_id"], timeout=3600, polling_interval=5)',
    'print(tc.get_task(task["task_id"])["status"])'
  ].join('\n');
}

/**
 * Share a folder of a guest collection with a user (read access), with globus-sdk's
 * `add_endpoint_acl_rule`.
 *
 * @param target - the folder on a guest collection
 * @param username - who to share with (a Globus username)
 */
export function pythonShareCell(target: ICellTarget, username = 'colleague@globusid.org'): string {
  const folder = target.path.endsWith('/') ? target.path : `${target.path}/`;
  return [
    'import globus_sdk',
    IMPORT_AUTHORIZER,
    '',
    'auth = globus_sdk.AuthClient(authorizer=authorizer("auth.globus.org"))',
    `who = auth.get_identities(usernames=${py(username)})["identities"][0]`,
    TRANSFER_CLIENT,
    'rule = {',
    '    "DATA_TYPE": "access",',
    '    "principal_type": "identity",',
    '    "principal": who["id"],',
    `    "path": ${py(folder)},`,
    '    "permissions": "r",',
    '}',
    `result = tc.add_endpoint_acl_rule(${py(target.collection)}, rule)`,
    'print("shared with", who["username"], "rule", result["access_id"])'
  ].join('\n');
}
