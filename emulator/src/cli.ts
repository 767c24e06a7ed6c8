#!/usr/bin/env node
/**
 * `globus-emulator`: starts the local Globus on 127.0.0.1 and prints, one per line,
 * `GLOBUS_SDK_SERVICE_URL_AUTH=…`, `GLOBUS_SDK_SERVICE_URL_TRANSFER=…`,
 * `GLOBUS_SDK_SERVICE_URL_GROUPS=…`, `GLOBUS_EMULATOR_ADMIN_URL=…`, `GLOBUS_KIT_CLIENT_ID=…`
 * (the seeded native-app client, so standalone and step-up logins work against it),
 * `GLOBUS_DATA=…`, with `--platform` the `GLOBUS_KIT_OIDC_*`, `GLOBUS_KIT_PLATFORM_URL` and
 * `GLOBUS_KIT_S3_ENDPOINT` lines of the emulated research platform, and then `ready`. Runs until SIGTERM or SIGINT, then closes every service and exits 0.
 */
import { parseArgs } from 'node:util';
import { createEmulator, type IEmulator } from './index.js';
import { NATIVE_CLIENT_ID } from './state/seed.js';
import {
  authStateShapes,
  pickleProtocols,
  type AuthStateShape,
  type PickleProtocol
} from './globus-data/index.js';

const usage = `Usage: globus-emulator [options]

  --data DIR           keep collection files in DIR (default: a temporary folder, removed on exit)
  --seed N             seed of the shared PRNG (default 0)
  --faults FILE        JSON fault rules active from the start
  --rate BYTES_PER_S   transfer task speed (default unlimited)
  --port-base N        fixed ports: auth N, transfer N+1, groups N+2, admin N+3, collections N+4…
  --auto-approve       approve logins at once as the demo user (for tests)
  --platform           also start the OIDC realm, workspace API and S3 server (issue #9)
  --shape SHAPE        GLOBUS_DATA auth_state shape: ${authStateShapes.join(', ')} (default 16+)
  --protocol N         GLOBUS_DATA pickle protocol 2-5 (default 4)
  --exclude-tokens RS  comma-separated resource servers left out of GLOBUS_DATA's tokens
                       (the hub's exclude_tokens; default per shape)
  --log                write an access log (method, path, status, ms) to stderr
  -h, --help           show this help
`;

class UsageError extends Error {}

function integer(
  name: string,
  value: string | undefined,
  min: number,
  max: number
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}`);
  }
  return n;
}

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        data: { type: 'string' },
        seed: { type: 'string' },
        faults: { type: 'string' },
        rate: { type: 'string' },
        'port-base': { type: 'string' },
        'auto-approve': { type: 'boolean' },
        platform: { type: 'boolean' },
        shape: { type: 'string' },
        protocol: { type: 'string' },
        'exclude-tokens': { type: 'string' },
        log: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' }
      },
      strict: true,
      allowPositionals: false
    }));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n\n${usage}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(usage);
    return 0;
  }
  let emulator: IEmulator;
  let shape: AuthStateShape;
  let protocol: PickleProtocol;
  let excludeTokens: string[] | undefined;
  try {
    shape = (values.shape ?? '16+') as AuthStateShape;
    if (!authStateShapes.includes(shape))
      throw new UsageError(`--shape must be one of ${authStateShapes.join(', ')}`);
    protocol = (integer('protocol', values.protocol, 2, 5) ?? 4) as PickleProtocol;
    if (!pickleProtocols.includes(protocol)) throw new UsageError('--protocol must be 2-5');
    excludeTokens = values['exclude-tokens']
      ?.split(',')
      .map(s => s.trim())
      .filter(Boolean);
    emulator = await createEmulator({
      dataDir: values.data,
      seed: integer('seed', values.seed, 0, 2 ** 32 - 1),
      faults: values.faults,
      transferRate: integer('rate', values.rate, 1, Number.MAX_SAFE_INTEGER),
      portBase: integer('port-base', values['port-base'], 1, 65000),
      autoApprove: values['auto-approve'] ?? false,
      platform: values.platform ?? false,
      log: values.log
        ? l => process.stderr.write(`${l.service} ${l.method} ${l.path} ${l.status} ${l.ms}ms\n`)
        : undefined
    });
  } catch (e) {
    process.stderr.write(`globus-emulator: ${(e as Error).message}\n`);
    return e instanceof UsageError ? 2 : 1;
  }

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void emulator.close().then(
      () => process.exit(0),
      () => process.exit(1)
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  try {
    const data = await emulator.globusData({ shape, protocol, excludeTokens });
    process.stdout.write(
      [
        `GLOBUS_SDK_SERVICE_URL_AUTH=${emulator.urls.auth}`,
        `GLOBUS_SDK_SERVICE_URL_TRANSFER=${emulator.urls.transfer}`,
        `GLOBUS_SDK_SERVICE_URL_GROUPS=${emulator.urls.groups}`,
        `GLOBUS_EMULATOR_ADMIN_URL=${emulator.urls.admin}`,
        `GLOBUS_KIT_CLIENT_ID=${NATIVE_CLIENT_ID}`,
        `GLOBUS_DATA=${data}`,
        ...Object.entries(emulator.platformEnv()).map(([k, v]) => `${k}=${v}`),
        'ready',
        ''
      ].join('\n')
    );
  } catch (e) {
    process.stderr.write(`globus-emulator: ${(e as Error).message}\n`);
    await emulator.close();
    return 1;
  }
  return -1; // keep running until a signal
}

void main().then(code => {
  if (code >= 0) process.exit(code);
});
