/**
 * Helpers for the platform tests: an emulator with the platform on, form posts to the
 * realm, Basic headers and PKCE pairs.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createEmulator, type IEmulator, type IPlatformOptions } from '../index.js';
import { PLATFORM_APP_CLIENT_ID, PLATFORM_APP_CLIENT_SECRET } from '../platform/seed.js';

/** Starts an emulator with the platform. */
export function startPlatformEmulator(
  platform: IPlatformOptions = {},
  autoApprove = true
): Promise<IEmulator> {
  return createEmulator({ platform, autoApprove });
}

/** The issuer of a platform emulator (throws when the platform is off). */
export function issuerOf(emu: IEmulator): string {
  if (!emu.urls.oidc) throw new Error('platform not started');
  return emu.urls.oidc;
}

/** `{issuer}/protocol/openid-connect/<rest>`. */
export function endpoint(emu: IEmulator, rest: string): string {
  return `${issuerOf(emu)}/protocol/openid-connect/${rest}`;
}

/** `Authorization: Basic` for the app client (or the given credentials). */
export function basic(id = PLATFORM_APP_CLIENT_ID, secret = PLATFORM_APP_CLIENT_SECRET): string {
  return `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
}

/** The parsed answer of a form post. */
export interface IFormAnswer {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- test bodies are inspected field by field
  body: any;
}

/** Posts a form; parses a JSON answer (an empty body gives `undefined`). */
export async function postForm(
  url: string,
  form: Record<string, string>,
  headers: Record<string, string> = {}
): Promise<IFormAnswer> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString()
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

/** A client-credentials token for the app client. */
export async function appToken(
  emu: IEmulator,
  scope = 'openid profile email platform'
): Promise<{ access_token: string; refresh_token: string; id_token?: string; scope: string }> {
  const res = await postForm(
    endpoint(emu, 'token'),
    { grant_type: 'client_credentials', scope },
    { Authorization: basic() }
  );
  if (res.status !== 200) throw new Error(`token: HTTP ${res.status}`);
  return res.body;
}

/** A PKCE verifier and its S256 challenge. */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(48).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}
