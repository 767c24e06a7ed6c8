// A real JupyterHub for the hub tests: Debian's `jupyterhub` (3.x, on the system Python),
// its configurable-http-proxy, the test authenticator (test/hub/globus_test_authenticator.py)
// against the emulator, and single-user servers run from the project venv as
// `python -m jupyterhub.singleuser`.
//
//   const hub = await startHub({ emulator });       // emulator from createEmulator()
//   hub.url                 // the proxy's public URL: /hub/login, /user/<name>/lab
//   await hub.api('GET', `/users/${name}`)           // the hub REST API as the test service
//   await hub.stop();       // hub, proxy, servers and kernels; removes the temp folder
//
// Everything listens on 127.0.0.1 on free ports; the config, database, cookie secret and
// Jupyter folders live in a temp folder made per run; the single-user servers' home folder
// is under test-output/ so that tslab finds the project's node_modules.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { freePort, root, stopProcessGroup, venvBin } from '../../scripts/lab-launcher.mjs';

/** Debian's JupyterHub (the `jupyterhub` package). */
export const JUPYTERHUB_BIN = '/usr/bin/jupyterhub';
/** Debian's configurable-http-proxy (needs NODE_PATH=/usr/share/nodejs with this Node). */
export const CHP_BIN = '/usr/bin/configurable-http-proxy';
/** Where Debian's Python packages live (jupyterhub and what it imports). */
const DIST_PACKAGES = '/usr/lib/python3/dist-packages';
/**
 * What `python -m jupyterhub.singleuser` from the venv needs of Debian's packages. Only
 * these: all of dist-packages would shadow the venv's tornado and traitlets.
 */
const SINGLEUSER_PACKAGES = ['jupyterhub', 'sqlalchemy', 'alembic', 'mako', 'async_generator'];
/** The test authenticator's folder. */
const AUTHENTICATOR_DIR = join(root, 'test/hub');

/** Fails early, with the remedy, when the hub or its proxy is missing. */
export function assertHubPrerequisites() {
  for (const path of [JUPYTERHUB_BIN, CHP_BIN]) {
    assert.ok(
      existsSync(path),
      `${path} is missing: run \`npm test\` (it installs Debian's jupyterhub) or ` +
        'apt-get install --no-install-recommends jupyterhub'
    );
  }
  assert.ok(existsSync(join(venvBin, 'python')), '.venv is missing: run `npm run setup` first');
}

const py = value => JSON.stringify(value); // JSON strings, lists and numbers are Python literals

/**
 * Start a JupyterHub and wait until its API answers through the proxy.
 *
 * @param {object} options
 * @param {object} options.emulator - from createEmulator() (urls.auth/transfer/groups)
 * @param {string} options.clientId - the hub's confidential client at the emulator
 * @param {string} options.clientSecret - its secret
 * @param {number} [options.authRefreshAge] - seconds between refresh_user calls per user
 * @param {boolean} [options.revokeTokensOnLogout] - revoke the Globus tokens at hub logout
 * @param {string[]} [options.scope] - the scopes the hub asks Globus Auth for
 * @param {number} [options.timeoutMs] - how long to wait for the hub
 * @returns {Promise<{ url: string, api: (method: string, path: string, body?: unknown) =>
 *   Promise<{ status: number, body: any }>, serviceToken: string, homeRoot: string,
 *   log: () => string, stop: () => Promise<void> }>}
 */
export async function startHub({
  emulator,
  clientId,
  clientSecret,
  authRefreshAge = 1,
  revokeTokensOnLogout = true,
  scope = [
    'openid',
    'profile',
    'email',
    'urn:globus:auth:scope:transfer.api.globus.org:all',
    'urn:globus:auth:scope:groups.api.globus.org:view_my_groups_and_memberships'
  ],
  timeoutMs = 60_000
}) {
  assertHubPrerequisites();
  const tmp = mkdtempSync(join(tmpdir(), 'globus-kit-hub-'));
  const runId = randomBytes(4).toString('hex');
  const homeRoot = join(root, 'test-output', `hub-home-${runId}`);
  mkdirSync(homeRoot, { recursive: true });
  const [port, hubPort, proxyApiPort] = [await freePort(), await freePort(), await freePort()];
  const url = `http://127.0.0.1:${port}`;
  const serviceToken = randomBytes(24).toString('hex');

  // PYTHONPATH of the single-user server: Debian's jupyterhub and its imports, nothing else.
  const shim = join(tmp, 'singleuser-path');
  mkdirSync(shim);
  for (const name of SINGLEUSER_PACKAGES) symlinkSync(join(DIST_PACKAGES, name), join(shim, name));

  // The single-user server's Jupyter folders (JupyterLab offline: no news, no update check).
  const jupyterDirs = {
    JUPYTER_CONFIG_DIR: join(tmp, 'jupyter/config'),
    JUPYTER_DATA_DIR: join(tmp, 'jupyter/data'),
    JUPYTER_RUNTIME_DIR: join(tmp, 'jupyter/runtime'),
    IPYTHONDIR: join(tmp, 'jupyter/ipython')
  };
  mkdirSync(join(jupyterDirs.JUPYTER_CONFIG_DIR, 'labconfig'), { recursive: true });
  writeFileSync(
    join(jupyterDirs.JUPYTER_CONFIG_DIR, 'labconfig/page_config.json'),
    JSON.stringify({ disabledExtensions: { '@jupyterlab/apputils-extension:announcements': true } })
  );

  const serverEnv = {
    PYTHONPATH: shim,
    JUPYTERHUB_SINGLEUSER_APP: 'jupyter_server.serverapp.ServerApp',
    JUPYTER_PLATFORM_DIRS: '1',
    ...jupyterDirs,
    GLOBUS_SDK_SERVICE_URL_AUTH: emulator.urls.auth,
    GLOBUS_SDK_SERVICE_URL_TRANSFER: emulator.urls.transfer,
    GLOBUS_SDK_SERVICE_URL_GROUPS: emulator.urls.groups
  };
  const serverArgs = [
    '--LabApp.news_url=None',
    '--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate',
    '--LabApp.extension_manager=readonly',
    ...(process.getuid?.() === 0 ? ['--allow-root'] : [])
  ];

  const config = `# Generated for one hub test run.
import sys
sys.path.insert(0, ${py(AUTHENTICATOR_DIR)})
from globus_test_authenticator import GlobusTestAuthenticator

c = get_config()  # noqa
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = ${port}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = ${hubPort}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:${proxyApiPort}"
c.ConfigurableHTTPProxy.command = [${py(CHP_BIN)}]
c.ConfigurableHTTPProxy.pid_file = ${py(join(tmp, 'proxy.pid'))}
c.JupyterHub.db_url = ${py(`sqlite:///${join(tmp, 'jupyterhub.sqlite')}`)}
c.JupyterHub.cookie_secret_file = ${py(join(tmp, 'cookie_secret'))}
c.JupyterHub.pid_file = ${py(join(tmp, 'hub.pid'))}
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True

c.JupyterHub.authenticator_class = GlobusTestAuthenticator
c.GlobusTestAuthenticator.auth_url = ${py(emulator.urls.auth)}
c.GlobusTestAuthenticator.client_id = ${py(clientId)}
c.GlobusTestAuthenticator.client_secret = ${py(clientSecret)}
c.GlobusTestAuthenticator.oauth_callback_url = ${py(`${url}/hub/oauth_callback`)}
c.GlobusTestAuthenticator.scope = ${py(scope)}
c.GlobusTestAuthenticator.extra_authorize_params = {"access_type": "offline"}
c.GlobusTestAuthenticator.revoke_tokens_on_logout = ${revokeTokensOnLogout ? 'True' : 'False'}
c.Authenticator.enable_auth_state = True
c.Authenticator.auto_login = True
c.Authenticator.refresh_pre_spawn = True
c.Authenticator.auth_refresh_age = ${authRefreshAge}

# JupyterHub 3.x: no Spawner.server_token_scopes; the server's token gets
# admin:auth_state!user through the default roles (both: a server token may only hold
# scopes its user holds).
c.JupyterHub.load_roles = [
    {"name": "user", "scopes": ["self", "admin:auth_state!user"]},
    {"name": "server",
     "scopes": ["users:activity!user", "access:servers!user", "admin:auth_state!user"]},
    {"name": "globus-kit-test", "services": ["globus-kit-test"],
     "scopes": ["admin:users", "admin:auth_state", "admin:servers", "access:servers"]},
]
c.JupyterHub.services = [{"name": "globus-kit-test", "api_token": ${py(serviceToken)}}]

c.JupyterHub.spawner_class = "jupyterhub.spawner.SimpleLocalProcessSpawner"
c.SimpleLocalProcessSpawner.home_dir_template = ${py(join(homeRoot, '{username}'))}
# The server stays in the hub's process group, so stopping the group stops it too.
c.SimpleLocalProcessSpawner.popen_kwargs = {"start_new_session": False}
c.Spawner.cmd = [${py(join(venvBin, 'python'))}, "-m", "jupyterhub.singleuser"]
c.Spawner.args = ${py(serverArgs)}
c.Spawner.default_url = "/lab"
c.Spawner.environment = ${py(serverEnv)}
c.Spawner.start_timeout = 60
c.Spawner.http_timeout = 60
`;
  const configFile = join(tmp, 'jupyterhub_config.py');
  writeFileSync(configFile, config, { mode: 0o600 });

  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? tmp,
    LANG: 'C.UTF-8',
    PYTHONDONTWRITEBYTECODE: '1', // no __pycache__ beside the test authenticator
    NODE_PATH: '/usr/share/nodejs',
    JUPYTERHUB_CRYPT_KEY: randomBytes(32).toString('hex'),
    CONFIGPROXY_AUTH_TOKEN: randomBytes(24).toString('hex')
  };
  const child = spawn(JUPYTERHUB_BIN, ['-f', configFile], {
    cwd: tmp,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe']
  });
  let log = '';
  const keep = c => {
    log = (log + c).slice(-2_000_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await stopProcessGroup(child, 8000);
    rmSync(tmp, { recursive: true, force: true });
    rmSync(homeRoot, { recursive: true, force: true });
  };

  const api = async (method, path, body) => {
    const r = await fetch(`${url}/hub/api${path}`, {
      method,
      headers: { Authorization: `token ${serviceToken}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(15_000)
    });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : undefined };
  };

  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && child.exitCode === null && child.signalCode === null) {
    try {
      const r = await fetch(`${url}/hub/api/`, { signal: AbortSignal.timeout(2000) });
      if (r.ok) return { url, api, serviceToken, homeRoot, log: () => log, stop };
    } catch {
      // not listening yet
    }
    await new Promise(r => setTimeout(r, 200));
  }
  const exited = child.exitCode !== null || child.signalCode !== null;
  await stop();
  throw new Error(
    `jupyterhub ${exited ? `exited (${child.exitCode ?? child.signalCode})` : `did not answer within ${timeoutMs / 1000} s`}:\n` +
      log.split('\n').slice(-30).join('\n')
  );
}
