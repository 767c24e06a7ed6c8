// Shared by the reliability suites: the emulator and kernel-helpers builds, a jupyter_server
// with this extension whose whole output is kept, and the secrets an emulator has issued
// (searched for with test/security/secret-scanner.mjs).
import { root, startJupyterServer } from '../support/notebook-runner.mjs';

export { root };

/** The emulator build (ESM). */
export const emulatorModule = () => import('../../emulator/dist/index.js');
/** The kernel-helpers build (CommonJS, loaded through ESM interop). */
export const helpersModule = async () =>
  (await import('../../kernel-helpers/dist/index.js')).default;

/** Fast retries so a cell of the matrix stays short (kernel-helpers' retry policy). */
export const FAST_RETRY = { baseDelayMs: 20, maxDelayMs: 200, maxTotalMs: 4000 };

/**
 * Start a jupyter_server (from the project venv, the source tree first on the path) wired to
 * the emulator; every byte it prints is kept in `output()`.
 *
 * @param {Record<string, string>} emuEnv - the emulator's env (GLOBUS_SDK_*, GLOBUS_DATA)
 * @param {Record<string, string>} [extra] - more environment
 * @param {{ args?: string[] }} [options] - more `jupyter server` arguments (e.g. `--debug`)
 */
export async function startServer(emuEnv, extra = {}, { args = [] } = {}) {
  const env = { PYTHONPATH: root, GLOBUS_KIT_REQUEST_TIMEOUT: '3', ...extra };
  for (const [k, v] of Object.entries(emuEnv)) {
    if (k.startsWith('GLOBUS_SDK_') || k === 'GLOBUS_DATA') env[k] = v;
  }
  let out = '';
  const server = await startJupyterServer({
    env,
    timeoutMs: 60_000,
    args,
    onOutput: c => (out += c.toString())
  });
  const bodies = [];
  /**
   * One request to the server; the body is kept for the secret scan.
   *
   * @returns {Promise<{ status: number, text: string, json: unknown }>}
   */
  const request = async (method, path, body, timeoutMs = 15_000) => {
    const r = await fetch(`${server.url}${path}`, {
      method,
      headers: { Authorization: `token ${server.token}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs)
    });
    const text = await r.text();
    bodies.push(text);
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: r.status, text, json };
  };
  return { ...server, request, bodies, output: () => out };
}

/**
 * Every secret the emulator has issued so far (`emu.auth.issuedSecrets()`: access, refresh
 * and id tokens, authorization codes, PKCE verifiers, client secrets), plus the tokens in
 * the given GLOBUS_DATA values.
 */
export async function issuedSecrets(emu, globusDataValues = []) {
  const { decodeGlobusData } = await helpersModule();
  const out = new Set();
  for (const list of Object.values(emu.auth.issuedSecrets())) {
    for (const s of list) out.add(s);
  }
  for (const gd of globusDataValues) {
    for (const t of decodeGlobusData(gd).tokens) {
      out.add(t.accessToken);
      if (t.refreshToken) out.add(t.refreshToken);
    }
  }
  return [...out].filter(s => typeof s === 'string' && s.length >= 12);
}

/** Race a promise against a time bound; the loser is reported as a hang. */
export function bounded(promise, ms, what) {
  let timer;
  const limit = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`HANG: ${what} took over ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, limit]).finally(() => clearTimeout(timer));
}

/** Print rows as a Markdown table. */
export function table(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map(r => String(r[i]).length)));
  const line = r => `| ${r.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
  return [
    line(headers),
    `|${widths.map(w => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.map(line)
  ].join('\n');
}
