#!/usr/bin/env node
// `npm run demo`: set up (as `npm run setup`), start the local Globus emulator (with the
// emulated OIDC/S3 research platform, `--platform`), then JupyterLab with the extension, the
// tslab kernel and the demo notebook open. The lab gets every GLOBUS_* line the emulator
// prints, the GLOBUS_KIT_OIDC_* / GLOBUS_KIT_PLATFORM_URL / GLOBUS_KIT_S3_ENDPOINT ones included.
//
// Usage: npm run demo -- [--port N] [--no-browser]
//   --port N       the lab's port on 127.0.0.1 (default 8888; a busy port is an error)
//   --no-browser   do not open a browser (on a machine without one nothing opens anyway)
// When GLOBUS_DATA and GLOBUS_SDK_SERVICE_URL_* are already set, they are used as they
// are (an emulator started elsewhere, or real Globus) and no emulator is started.
// Ctrl-C (or SIGTERM) stops everything this command started.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import {
  GLOBUS_ENV_KEYS,
  portInUse,
  root,
  startEmulatorCli,
  startLab,
  stopProcessGroup
} from './lab-launcher.mjs';

const NOTEBOOK = 'notebooks/globus-data-flow.ipynb';

let options;
try {
  ({ values: options } = parseArgs({
    options: {
      port: { type: 'string', default: '8888' },
      'no-browser': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' }
    },
    strict: true
  }));
} catch (err) {
  console.error(`demo: ${err.message}\nusage: npm run demo -- [--port N] [--no-browser]`);
  process.exit(2);
}
if (options.help) {
  console.log('usage: npm run demo -- [--port N] [--no-browser]');
  process.exit(0);
}
const port = Number(options.port);
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.error(`demo: --port must be a port number, not "${options.port}"`);
  process.exit(2);
}

const started = [];
let stopping = false;
async function stopAll(code) {
  if (stopping) return;
  stopping = true;
  console.log('\ndemo: stopping…');
  for (const stop of started.reverse()) {
    try {
      await stop();
    } catch {
      // keep stopping the rest
    }
  }
  process.exit(code);
}
process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));

function runSetup() {
  return new Promise(resolve => {
    const child = spawn(process.execPath, [join(root, 'scripts/setup.mjs')], { stdio: 'inherit' });
    child.on('close', code => resolve(code ?? 1));
  });
}

async function main() {
  const setupCode = await runSetup();
  if (setupCode !== 0) {
    console.error('demo: set-up failed (see above)');
    process.exit(1);
  }
  if (await portInUse(port)) {
    console.error(`demo: port ${port} is in use; choose another with --port N`);
    process.exit(1);
  }

  let globusEnv;
  const preset = GLOBUS_ENV_KEYS.filter(k => k !== 'GLOBUS_SDK_SERVICE_URL_GROUPS').every(
    k => process.env[k]
  );
  if (preset) {
    globusEnv = Object.fromEntries(
      GLOBUS_ENV_KEYS.filter(k => process.env[k]).map(k => [k, process.env[k]])
    );
    console.log(
      `demo: using GLOBUS_DATA and service URLs from the environment (auth: ${globusEnv.GLOBUS_SDK_SERVICE_URL_AUTH})`
    );
  } else {
    console.log('demo: starting the Globus emulator…');
    const emulator = await startEmulatorCli({ args: ['--platform'] });
    started.push(() => stopProcessGroup(emulator.child));
    emulator.child.on('exit', code => {
      if (!stopping) {
        console.error(`demo: the emulator exited (${code})`);
        void stopAll(1);
      }
    });
    globusEnv = Object.fromEntries(
      Object.entries(emulator.env).filter(([k]) => k.startsWith('GLOBUS_'))
    );
    console.log(`demo: emulator ready (auth: ${globusEnv.GLOBUS_SDK_SERVICE_URL_AUTH})`);
    console.log(`demo: OIDC platform ready (issuer: ${globusEnv.GLOBUS_KIT_OIDC_ISSUER})`);
  }

  console.log(`demo: starting JupyterLab on 127.0.0.1:${port}…`);
  const lab = await startLab({
    port,
    env: globusEnv,
    rootDir: root,
    openPath: NOTEBOOK,
    openBrowser: !options['no-browser'],
    output: 'inherit'
  });
  started.push(lab.stop);
  lab.child.on('exit', code => {
    if (!stopping) {
      console.error(`demo: JupyterLab exited (${code})`);
      void stopAll(1);
    }
  });
  console.log('');
  console.log('  JupyterLab with the Globus kit is running. Open:');
  console.log(`  ${lab.labUrl}`);
  console.log(`  (Ctrl-C stops JupyterLab, its kernels${preset ? '' : ' and the emulator'}.)`);
  console.log('');
}

main().catch(err => {
  console.error(`demo: ${err.message}`);
  void stopAll(1);
});
