/**
 * Where an OIDC session's settings come from: options, else the environment the server
 * extension also reads (so a login in the sidebar and `connectOidc()` in a kernel agree),
 * and where its stored login lives.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { jupyterDataDir } from '../login/token-file';
import { OidcError } from './oidc-error';

/** Scopes asked for when none are given (`GLOBUS_KIT_OIDC_SCOPES` overrides). */
export const DEFAULT_OIDC_SCOPES: readonly string[] = [
  'openid',
  'profile',
  'email',
  'offline_access',
  'platform'
];

/** The resource-server key of the OIDC token in the token file. */
export const OIDC_RESOURCE_SERVER = 'oidc';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The token file of logins at one provider for one client:
 * `GLOBUS_KIT_OIDC_TOKEN_FILE`, else `<jupyter data dir>/globus-kit/oidc-<h>.json` with
 * `h` the first 16 hex digits of `sha256(issuer + "\n" + clientId)` (the Python server
 * extension computes the same path).
 *
 * @param issuer - the issuer URL, exactly as configured
 * @param clientId - the client id
 * @param env - the environment (default `process.env`)
 */
export function oidcTokenFilePath(
  issuer: string,
  clientId: string,
  env: Env = process.env
): string {
  if (env.GLOBUS_KIT_OIDC_TOKEN_FILE) {
    return env.GLOBUS_KIT_OIDC_TOKEN_FILE;
  }
  const h = createHash('sha256')
    .update(`${issuer}\n${clientId}`, 'utf8')
    .digest('hex')
    .slice(0, 16);
  return join(jupyterDataDir(env), 'globus-kit', `oidc-${h}.json`);
}

/**
 * Whether `hostname` is a loopback address (`127.0.0.0/8`, `::1`, `localhost`): the only
 * hosts plain http is allowed for.
 *
 * @param hostname - a URL's `hostname`
 */
export function isLoopbackHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return (
    h === 'localhost' ||
    h.endsWith('.localhost') ||
    h === '::1' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h)
  );
}

/**
 * Parse an issuer (or platform) URL and refuse plain http off loopback.
 *
 * @param value - the URL text
 * @param what - `issuer` or `platform URL`, for the message
 * @returns the URL and whether it is plain http on loopback
 * @throws OidcError `OIDC_NOT_CONFIGURED` (not a URL) or `OIDC_INSECURE_ISSUER`
 */
export function checkedProviderUrl(value: string, what: string): { url: URL; insecure: boolean } {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new OidcError({
      code: 'OIDC_NOT_CONFIGURED',
      message: `The OIDC ${what} ${JSON.stringify(value)} is not a URL.`,
      remedy: 'Pass an absolute https URL, e.g. https://iam.example.org/realms/master.'
    });
  }
  if (url.protocol === 'https:') {
    return { url, insecure: false };
  }
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) {
    return { url, insecure: true };
  }
  throw new OidcError({
    code: 'OIDC_INSECURE_ISSUER',
    message: `The OIDC ${what} ${url.origin} is not https; plain http is allowed only on a loopback address (a local emulator).`,
    remedy: 'Use the https URL of the provider.'
  });
}

/**
 * The scopes from `GLOBUS_KIT_OIDC_SCOPES` (space-separated), else the defaults.
 *
 * @param env - the environment
 */
export function scopesFromEnv(env: Env): string[] {
  const raw = env.GLOBUS_KIT_OIDC_SCOPES;
  const list = raw ? raw.split(/\s+/).filter(Boolean) : [];
  return list.length > 0 ? list : [...DEFAULT_OIDC_SCOPES];
}
