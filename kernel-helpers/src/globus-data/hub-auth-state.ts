/**
 * The hub's current `auth_state`, as the server extension reads it (its `hub.py`).
 *
 * `GLOBUS_DATA` is frozen when the hub starts the server, so its tokens can expire while
 * the hub holds renewed ones. JupyterHub's `GET /users/{name}`, asked with the server's own
 * `JUPYTERHUB_API_TOKEN` (which its kernels inherit) for `JUPYTERHUB_USER`, includes
 * `auth_state` when that token has the `admin:auth_state` scope (JupyterHub >= 2). Not
 * `GET /user`: it answers `"auth_state": null` even with the scope (jupyterhub/jupyterhub#5103,
 * seen on 3.0 and 5.3). Without the scope or the user name, or when the hub cannot be
 * reached, `connect()` falls back to `GLOBUS_DATA`.
 *
 * A plain `node:http(s)` GET: the hub is not a Globus service, so the Globus request layer
 * (its error types, retries and client-info header) does not apply.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { GlobusDataError } from '../errors/globus-data-error';
import { normaliseGlobusData } from './normalise';
import type { INormalisedGlobusData, PickleValue } from './types';

/** Largest user model read from the hub, in bytes. */
const MAX_USER_MODEL = 4 * 1024 * 1024;

/**
 * The hub's auth state, or why there is none (never holding the hub token); `offHub` when
 * the hub variables are unset, so there was nothing to ask.
 */
export type HubAuthState = { data: INormalisedGlobusData } | { why: string; offHub?: true };

/**
 * Ask the hub for the user's current auth state (no request when the variables are unset).
 *
 * @param env - `JUPYTERHUB_API_URL`, `JUPYTERHUB_API_TOKEN` and `JUPYTERHUB_USER`
 * @param timeoutMs - how long to wait for the whole answer
 * @returns the normalised auth state, or the reason there is none
 */
export async function fetchHubAuthState(
  env: Readonly<Record<string, string | undefined>>,
  timeoutMs = 3000
): Promise<HubAuthState> {
  const base = env.JUPYTERHUB_API_URL;
  const token = env.JUPYTERHUB_API_TOKEN;
  if (!base || !token) {
    return { why: 'JUPYTERHUB_API_URL / JUPYTERHUB_API_TOKEN not set', offHub: true };
  }
  const user = env.JUPYTERHUB_USER;
  if (!user) {
    return { why: 'JUPYTERHUB_USER not set (the hub user API is asked by user name)' };
  }
  // What the answers name: the request, never the token.
  const what = `GET /users/${encodeURIComponent(user)}`;
  let url: URL;
  try {
    url = new URL(`${base.replace(/\/+$/, '')}/users/${encodeURIComponent(user)}`);
  } catch {
    return { why: 'JUPYTERHUB_API_URL is not a URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { why: 'JUPYTERHUB_API_URL is not http(s)' };
  }
  const answer = await getJson(url, what, token, timeoutMs);
  if ('why' in answer) {
    return answer;
  }
  const body = answer.body as { auth_state?: unknown } | null;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { why: `the hub's answer to ${what} is not a user model` };
  }
  const state = body.auth_state;
  if (typeof state !== 'object' || state === null || Array.isArray(state)) {
    return {
      why: `the hub's answer to ${what} has no auth_state (the server token needs the admin:auth_state scope)`
    };
  }
  let data: INormalisedGlobusData;
  try {
    data = normaliseGlobusData(state as PickleValue);
  } catch (error) {
    const reason = error instanceof GlobusDataError ? error.reason : 'invalid';
    return { why: `the auth_state in the hub's answer to ${what} is not usable (${reason})` };
  }
  // An auth_state without tokens is still the hub's current word: its Globus authenticator
  // leaves `tokens: {}` after a logout that revoked them, so the GLOBUS_DATA copy is dead
  // too; connect() says so instead of falling back to it.
  return { data };
}

function getJson(
  url: URL,
  what: string,
  token: string,
  timeoutMs: number
): Promise<{ body: unknown } | { why: string }> {
  const client = url.protocol === 'https:' ? https : http;
  return new Promise(resolve => {
    // One deadline for the whole answer (a socket timeout would reset on every byte).
    const timer = setTimeout(() => {
      req.destroy();
      finish({ why: `the hub did not answer ${what} within ${timeoutMs} ms` });
    }, timeoutMs);
    const finish = (result: { body: unknown } | { why: string }): void => {
      clearTimeout(timer);
      resolve(result);
    };
    const req = client.get(
      url,
      { headers: { Authorization: `token ${token}`, Accept: 'application/json' } },
      res => {
        if (res.statusCode !== 200) {
          res.resume();
          finish({ why: `the hub answered ${res.statusCode ?? 0} to ${what}` });
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_USER_MODEL) {
            req.destroy();
            finish({ why: `the hub answered more than 4 MiB to ${what}` });
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => {
          try {
            finish({ body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown });
          } catch {
            finish({ why: `the hub answered something other than JSON to ${what}` });
          }
        });
        res.on('error', () => finish({ why: `the hub's answer to ${what} was cut short` }));
      }
    );
    req.on('error', (error: NodeJS.ErrnoException) =>
      finish({ why: `the hub is not reachable for ${what} (${error.code ?? error.name})` })
    );
  });
}
