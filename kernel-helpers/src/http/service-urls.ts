/**
 * Base URLs of the Globus services, the way the official SDKs find them:
 * `GLOBUS_SDK_SERVICE_URL_<SERVICE>` wins; else the host of `GLOBUS_SDK_ENVIRONMENT`
 * (default `production`). Pointing these variables at the emulator makes every client run
 * unchanged against it.
 *
 * Non-production host tables come from `@globus/sdk` (its service `CONFIG.HOSTS`). The SDK
 * ships ESM-only type declarations, which a CommonJS package cannot import as types, so it
 * is loaded with `require` and read through the small `ISdkConfigView` below.
 */
import { BadInputError } from '../errors/bad-input-error';

/** Services with a fixed base URL (GCS HTTPS servers are per collection). */
export type FixedServiceName = 'auth' | 'transfer' | 'groups';

/** The environment variable id per service, as in both SDKs. */
const ENV_ID: Readonly<Record<FixedServiceName, string>> = {
  auth: 'AUTH',
  transfer: 'TRANSFER',
  groups: 'GROUPS'
};

/** Production hosts as documented by Globus. */
const PRODUCTION: Readonly<Record<FixedServiceName, string>> = {
  auth: 'https://auth.globus.org',
  transfer: 'https://transfer.api.globus.org',
  groups: 'https://groups.api.globus.org'
};

/** Path prefix of the API version we speak. */
export const API_PREFIX: Readonly<Record<FixedServiceName, string>> = {
  auth: '',
  transfer: '/v0.10',
  groups: '/v2'
};

interface ISdkConfigView {
  auth: { CONFIG: { HOSTS: Record<string, string | undefined> } };
  transfer: { CONFIG: { HOSTS: Record<string, string | undefined> } };
  groups: { CONFIG: { HOSTS: Record<string, string | undefined> } };
}

interface ISdkInfoView {
  getClientInfoRequestHeaders(): Record<string, string>;
}

let sdkView: ISdkConfigView | null | undefined;

function loadSdk(): ISdkConfigView | null {
  if (sdkView === undefined) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- ESM-only types, see header
      sdkView = require('@globus/sdk') as ISdkConfigView;
    } catch {
      sdkView = null;
    }
  }
  return sdkView;
}

let infoHeaders: Readonly<Record<string, string>> | undefined;

/**
 * The base URL of a Globus service (no trailing slash, no API version prefix).
 *
 * @param service - `auth`, `transfer` or `groups`
 * @param env - environment variables to read (default `process.env`)
 * @throws BadInputError when the override is not an http(s) URL or the environment is unknown
 */
export function serviceBaseUrl(
  service: FixedServiceName,
  env: Readonly<Record<string, string | undefined>> = process.env
): string {
  const override = env[`GLOBUS_SDK_SERVICE_URL_${ENV_ID[service]}`];
  if (override) {
    let parsed: URL;
    try {
      parsed = new URL(override);
    } catch (cause) {
      throw new BadInputError(
        `GLOBUS_SDK_SERVICE_URL_${ENV_ID[service]} is not a URL: ${override}`,
        { code: 'BAD_SERVICE_URL', cause }
      );
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
      throw new BadInputError(
        `GLOBUS_SDK_SERVICE_URL_${ENV_ID[service]} must be an http(s) URL: ${override}`,
        { code: 'BAD_SERVICE_URL' }
      );
    }
    return override.replace(/\/+$/, '');
  }
  const environment = env.GLOBUS_SDK_ENVIRONMENT || 'production';
  if (environment === 'production') {
    return PRODUCTION[service];
  }
  const host = loadSdk()?.[service].CONFIG.HOSTS[environment];
  if (!host) {
    throw new BadInputError(`Unknown GLOBUS_SDK_ENVIRONMENT '${environment}'`, {
      code: 'BAD_SERVICE_URL'
    });
  }
  return `https://${host}`;
}

/**
 * This package's version, read from its own package.json (the one version source the
 * project's manifests share; `npm run set-version` writes them all).
 */
export function packageVersion(): string {
  // From dist/http/ (and src/http/ under a TypeScript runner) the manifest is two levels up.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- JSON outside rootDir
  return (require('../../package.json') as { version: string }).version;
}

/**
 * The `X-Globus-Client-Info` header the official SDK sends, so Globus can tell SDK-based
 * clients apart; empty when the SDK cannot be loaded. Only the SDK's small `core/info`
 * module is loaded for it: the whole SDK took about 20 ms at a session's first request.
 */
export function clientInfoHeaders(): Record<string, string> {
  if (infoHeaders === undefined) {
    let headers: Record<string, string> = {};
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- ESM-only types, see header
      const info = require('@globus/sdk/cjs/core/info/index') as ISdkInfoView;
      headers = info.getClientInfoRequestHeaders();
    } catch {
      // no SDK: no header
    }
    infoHeaders = Object.fromEntries(
      Object.entries(headers).map(([k, v]) => [
        k,
        `${v};product=jupyterlab-globus-kit-kernel-helpers,version=${packageVersion()}`
      ])
    );
  }
  return { ...infoHeaders };
}
