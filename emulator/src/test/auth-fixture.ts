/**
 * A Globus Auth + Groups pair on loopback ports for the Auth tests, with a movable clock,
 * and small helpers (PKCE pairs, Basic headers, the login flow as plain HTTP).
 */
import { createHash, randomBytes } from 'node:crypto';
import { startService, type IRunningService } from '../http/service.js';
import { createAuthRouter } from '../routes/auth/index.js';
import { createGroupsRouter } from '../routes/groups/index.js';
import { AuthState, type ITokenResponse } from '../state/auth/auth-state.js';
import { OffsetClock } from '../state/clock.js';
import {
  GUEST_COLLECTION_ID,
  HUB_CLIENT_ID,
  HUB_CLIENT_SECRET,
  NATIVE_CLIENT_ID
} from '../state/seed.js';

/** A running Auth + Groups pair. */
export interface IAuthFixture {
  auth: AuthState;
  clock: OffsetClock;
  authUrl: string;
  groupsUrl: string;
  /** Access log lines recorded so far. */
  log: string[];
  setAutoApprove(on: boolean): void;
  close(): Promise<void>;
}

/** Starts Auth and Groups; the guest collection refuses `data_access` like in the seeded world. */
export async function startAuthFixture(
  options: { autoApprove?: boolean } = {}
): Promise<IAuthFixture> {
  const clock = new OffsetClock();
  const auth = await AuthState.create({
    clock,
    isDataAccessCollection: id => id !== GUEST_COLLECTION_ID
  });
  let autoApprove = options.autoApprove ?? true;
  const log: string[] = [];
  const services: IRunningService[] = [];
  const logLine = (l: {
    service: string;
    method: string;
    path: string;
    status: number;
    ms: number;
  }): void => {
    log.push(`${l.service} ${l.method} ${l.path} ${l.status} ${l.ms}`);
  };
  const a = await startService('auth', createAuthRouter(auth, { autoApprove: () => autoApprove }), {
    log: logLine
  });
  services.push(a);
  auth.issuer = a.url;
  const g = await startService('groups', createGroupsRouter(auth), { log: logLine });
  services.push(g);
  return {
    auth,
    clock,
    authUrl: a.url,
    groupsUrl: g.url,
    log,
    setAutoApprove(on) {
      autoApprove = on;
    },
    async close() {
      await Promise.all(services.map(s => s.close()));
    }
  };
}

/** A PKCE verifier and its S256 challenge. */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(48).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** `Authorization: Basic` for the hub client (or given credentials). */
export function basic(id = HUB_CLIENT_ID, secret = HUB_CLIENT_SECRET): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}

/** POSTs a form. */
export function postForm(
  url: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {}
): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
    redirect: 'manual'
  });
}

/** Builds an authorize URL for the native client. */
export function authorizeUrl(base: string, params: Record<string, string>): string {
  const url = new URL('/v2/oauth2/authorize', base);
  for (const [k, v] of Object.entries({
    client_id: NATIVE_CLIENT_ID,
    response_type: 'code',
    ...params
  })) {
    url.searchParams.set(k, v);
  }
  return url.toString();
}

/**
 * Runs the auto-approved native login (authorize → 302 → code) and exchanges the code.
 * @param scope - the scope request
 * @param extra - more authorize parameters (`access_type`, `state`, …)
 */
export async function nativeLogin(
  fx: IAuthFixture,
  scope: string,
  extra: Record<string, string> = {}
): Promise<ITokenResponse> {
  const { verifier, challenge } = pkcePair();
  const res = await fetch(
    authorizeUrl(fx.authUrl, {
      scope,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      ...extra
    }),
    { redirect: 'manual' }
  );
  if (res.status !== 302) throw new Error(`authorize answered ${res.status}`);
  const code = new URL(res.headers.get('location') ?? '').searchParams.get('code');
  if (!code) throw new Error('no code in redirect');
  const tok = await postForm(`${fx.authUrl}/v2/oauth2/token`, {
    grant_type: 'authorization_code',
    code,
    client_id: NATIVE_CLIENT_ID,
    code_verifier: verifier,
    redirect_uri: `${fx.authUrl}/v2/web/auth-code`
  });
  if (tok.status !== 200) throw new Error(`token answered ${tok.status}`);
  return (await tok.json()) as ITokenResponse;
}
