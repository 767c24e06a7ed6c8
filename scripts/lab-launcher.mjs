// Starting and stopping the processes the demo and the browser tests need: the emulator
// CLI and a JupyterLab from the project venv with an explicit, throw-away Jupyter config.
// Node builtins only. Each child runs in its own process group, so stopping it also stops
// what it started (kernels, tslab).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const root = fileURLToPath(new URL('..', import.meta.url));
/** The venv's bin folder. */
export const venvBin = join(root, '.venv/bin');

/** Variables the emulator prints and JupyterLab's server and kernels need. */
export const GLOBUS_ENV_KEYS = [
  'GLOBUS_SDK_SERVICE_URL_AUTH',
  'GLOBUS_SDK_SERVICE_URL_TRANSFER',
  'GLOBUS_SDK_SERVICE_URL_GROUPS',
  'GLOBUS_DATA'
];

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** True when something already listens on 127.0.0.1:port. */
export function portInUse(port) {
  return new Promise(resolve => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(true));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(false)));
  });
}

/**
 * Stop a child started with `detached: true`: SIGTERM to its process group, SIGKILL after
 * `graceMs`. Resolves when it has exited.
 */
export function stopProcessGroup(child, graceMs = 5000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise(resolve => {
    const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), graceMs);
    timer.unref();
    child.once('exit', () => {
      clearTimeout(timer);
      // Kernels may outlive the server by a moment; make sure nothing of the group stays.
      signalGroup(child, 'SIGKILL');
      resolve();
    });
    signalGroup(child, 'SIGTERM');
  });
}

function signalGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/**
 * Start `node emulator/dist/cli.js` and wait for `ready`.
 *
 * @param {object} [options]
 * @param {string[]} [options.args] - CLI arguments (`--data DIR`, `--log`, …)
 * @param {(stream: 'stdout'|'stderr', chunk: Buffer) => void} [options.onOutput] - every
 *   chunk the emulator prints, from the first one on (e.g. the `--log` access log)
 * @returns {Promise<{ child, env: Record<string, string> }>} the env lines it printed.
 */
export function startEmulatorCli({ args = [], timeoutMs = 60_000, onOutput } = {}) {
  const cli = join(root, 'emulator/dist/cli.js');
  const child = spawn(process.execPath, [cli, ...args], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe']
  });
  return new Promise((resolve, reject) => {
    const env = {};
    let buf = '';
    let stderr = '';
    const timer = setTimeout(
      () => fail(new Error(`the emulator did not print "ready" within ${timeoutMs / 1000} s`)),
      timeoutMs
    );
    const fail = err => {
      clearTimeout(timer);
      void stopProcessGroup(child);
      reject(err);
    };
    child.stderr.on('data', c => {
      stderr = (stderr + c).slice(-4000);
      onOutput?.('stderr', c);
    });
    child.on('error', err => fail(new Error(`could not start the emulator: ${err.message}`)));
    child.on('exit', code =>
      fail(new Error(`the emulator exited (${code}) before "ready":\n${stderr}`))
    );
    child.stdout.on('data', chunk => {
      onOutput?.('stdout', chunk);
      buf += chunk.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i).trim();
        buf = buf.slice(i + 1);
        const eq = line.indexOf('=');
        if (eq > 0 && /^[A-Z][A-Z0-9_]*$/.test(line.slice(0, eq)))
          env[line.slice(0, eq)] = line.slice(eq + 1);
        if (line === 'ready') {
          clearTimeout(timer);
          child.removeAllListeners('exit');
          child.stdout.removeAllListeners('data');
          if (onOutput) child.stdout.on('data', c => onOutput('stdout', c));
          child.stdout.resume();
          resolve({ child, env });
        }
      }
    });
  });
}

/**
 * Start a Jupyter app (`jupyter lab` or `jupyter server`) from the venv on 127.0.0.1 with a
 * known token and its own temporary config, data and runtime folders (the user's own
 * Jupyter settings are never read or written; kernelspecs come from the venv prefix), and
 * wait until `/api/status` answers.
 *
 * @param {object} options
 * @param {'lab'|'server'} options.app - the Jupyter subcommand.
 * @param {string[]} options.argv - its arguments before the common ones (e.g. a path to open).
 * @param {number} options.port - the port (port_retries=0: a busy port is an error).
 * @param {Record<string, string>} [options.env] - extra environment for the server and kernels.
 * @param {string} options.rootDir - the folder it serves.
 * @param {boolean} [options.openBrowser] - let jupyter open a browser.
 * @param {'inherit'|'pipe'} [options.output] - where the server log goes.
 * @param {string[]} [options.args] - more arguments (e.g. `--debug`).
 * @param {(chunk: Buffer) => void} [options.onOutput] - every chunk the server (and its
 *   kernels, which inherit its output) prints with `output: 'pipe'`, from the first one on.
 * @param {number} [options.timeoutMs] - how long to wait for `/api/status`.
 * @param {(configDir: string) => void} [options.prepareConfig] - writes config before start.
 * @returns {Promise<{ child, url: string, token: string, log: () => string, stop: () => Promise<void> }>}
 */
export async function startJupyter({
  app,
  argv: appArgv = [],
  port,
  env = {},
  rootDir,
  openBrowser = false,
  output = 'pipe',
  args = [],
  onOutput,
  timeoutMs = 120_000,
  prepareConfig
}) {
  const tmp = mkdtempSync(join(tmpdir(), `globus-kit-${app}-`));
  const token = randomBytes(24).toString('hex');
  const childEnv = { ...process.env, ...env };
  childEnv.JUPYTER_CONFIG_DIR = join(tmp, 'config');
  childEnv.JUPYTER_DATA_DIR = join(tmp, 'data');
  childEnv.JUPYTER_RUNTIME_DIR = join(tmp, 'runtime');
  childEnv.JUPYTER_PLATFORM_DIRS = '1';
  childEnv.IPYTHONDIR = join(tmp, 'ipython');
  delete childEnv.JUPYTER_PATH;
  delete childEnv.JUPYTER_CONFIG_PATH;
  // `node --test`'s marker must not reach the kernels' node (it changes how node reports).
  delete childEnv.NODE_TEST_CONTEXT;
  prepareConfig?.(childEnv.JUPYTER_CONFIG_DIR);
  const argv = [
    app,
    ...appArgv,
    '--ip=127.0.0.1',
    `--port=${port}`,
    '--ServerApp.port_retries=0',
    `--ServerApp.root_dir=${rootDir}`,
    `--IdentityProvider.token=${token}`,
    `--ServerApp.open_browser=${openBrowser ? 'True' : 'False'}`,
    ...(process.getuid?.() === 0 ? ['--allow-root'] : []),
    ...args
  ];
  const child = spawn(join(venvBin, 'jupyter'), argv, {
    cwd: rootDir,
    env: childEnv,
    detached: true,
    stdio: ['ignore', output, output]
  });
  let log = '';
  if (output === 'pipe') {
    const keep = c => {
      log = (log + c).slice(-40_000);
      onOutput?.(c);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
  }
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    await stopProcessGroup(child);
    rmSync(tmp, { recursive: true, force: true });
  };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && child.exitCode === null && child.signalCode === null) {
    try {
      const r = await fetch(`${url}/api/status`, {
        headers: { Authorization: `token ${token}` },
        signal: AbortSignal.timeout(2000)
      });
      if (r.ok) return { child, url, token, stop, log: () => log };
    } catch {
      // not listening yet
    }
    await new Promise(r => setTimeout(r, 200));
  }
  const exited = child.exitCode !== null || child.signalCode !== null;
  await stop();
  throw new Error(
    `jupyter ${app} ${exited ? `exited (${child.exitCode ?? child.signalCode})` : `did not answer within ${timeoutMs / 1000} s`}` +
      (log ? `:\n${log.split('\n').slice(-30).join('\n')}` : '')
  );
}

/**
 * Start `jupyter lab` (see `startJupyter`), offline-friendly: no news feed, no update
 * check, no extension manager, no "get notified about Jupyter news?" prompt.
 *
 * @param {object} options - as `startJupyter`, plus:
 * @param {string} [options.openPath] - a notebook path under rootDir to open.
 * @returns {Promise<{ child, url: string, labUrl: string, token: string, log: () => string, stop: () => Promise<void> }>}
 */
export async function startLab({ openPath, args = [], ...options }) {
  const lab = await startJupyter({
    ...options,
    app: 'lab',
    argv: openPath ? [openPath] : [],
    args: [
      '--LabApp.news_url=None',
      '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate',
      '--LabApp.extension_manager=readonly',
      ...args
    ],
    // The news prompt needs the internet and covers the UI.
    prepareConfig: configDir => {
      mkdirSync(join(configDir, 'labconfig'), { recursive: true });
      writeFileSync(
        join(configDir, 'labconfig/page_config.json'),
        JSON.stringify({
          disabledExtensions: { '@jupyterlab/apputils-extension:announcements': true }
        })
      );
    }
  });
  const labPath = openPath
    ? `/lab/tree/${openPath.split('/').map(encodeURIComponent).join('/')}`
    : '/lab';
  return { ...lab, labUrl: `${lab.url}${labPath}?token=${lab.token}` };
}
