/**
 * `connect()`: find the user's Globus credentials, decode them safely, and hand back a
 * `GlobusSession` with the identity, the tokens, consent status and the service clients.
 */
import { inspect, InspectOptions } from 'node:util';
import { GlobusKitError } from './errors/globus-kit-error';
import { BadInputError } from './errors/bad-input-error';
import { CredentialSource } from './errors/token-expired-error';
import { decodeGlobusData } from './globus-data';
import { HUB_GAVE_NO_TOKENS } from './globus-data/normalise';
import { fetchHubAuthState, type HubAuthState } from './globus-data/hub-auth-state';
import { INormalisedGlobusData, INormalisedIdentity } from './globus-data/types';
import { IDisplaySink, isDisplaySink } from './display/sink';
import { IRetryPolicy } from './http/retry';
import { FixedServiceName, serviceBaseUrl } from './http/service-urls';
import { AuthClient } from './services/auth/auth-client';
import { HttpsClient } from './services/gcs/https-client';
import { IServiceContext } from './services/service-context';
import { TransferClient } from './services/transfer/transfer-client';
import { consentStatus, IConsentStatusEntry, IConsentUrlOptions } from './tokens/consents';
import { ITokenSummary } from './tokens/token';
import { TokenSet } from './tokens/token-set';
import { fetchCsv, type CsvFetchSource, type IFetchCsvOptions } from './flow/fetch-csv';
import { link, type ILinkResult } from './flow/link';
import { ls, type ILsVerbOptions } from './flow/ls';
import type { Chart, IPlotSpec, VegaLiteSpec } from './flow/plot';
import { plot } from './flow/plot-chart';
import {
  isCollectionPath,
  type CollectionInput,
  type ICollectionPath
} from './flow/resolve-collection';
import { share, type IShareOptions, type IShareResult } from './flow/share';
import type { Table } from './flow/table';
import { transfer } from './flow/transfer-task';
import { callableTransfer, type CallableTransferClient } from './flow/callable-transfer';
import {
  upload,
  type IUploadVerbOptions,
  type IUploadVerbResult,
  type UploadInput
} from './flow/upload';
import type { IVerbOptions } from './flow/verb-context';
import type {
  ISignedUrl,
  IWorkspaceUploadResult,
  WorkspaceUploadInput
} from './workspaces/workspace-types';
import {
  isWorkspaceKey,
  type IWorkspaceKey,
  type IWorkspaceLinkOptions,
  type IWorkspaceUploadVerbOptions
} from './workspaces/workspace-verbs';
import { whoami, type IWhoamiResult } from './flow/whoami';
import { readStoredLogin, storedLoginAuthorizer } from './login/stored-login';
import { login, type ILoginFunction, type ILoginOptions } from './login/native-login';
import {
  BrokerAuthorizer,
  brokerConfig,
  readBrokerCredentials,
  type IBrokerConfig
} from './login/token-broker';

/** Where a session's credentials came from. */
export type SessionSource = 'option' | 'server' | 'hub-api' | 'environment' | 'stored-login';

/** Options of `connect()`. */
export interface IConnectOptions {
  /** A GLOBUS_DATA value (or an already decoded auth state); wins over the environment. */
  globusData?: string | INormalisedGlobusData;
  /** Environment to read `GLOBUS_DATA`, `GLOBUS_SDK_*`, `JUPYTERHUB_API_*` and `JUPYTERHUB_USER` from (default `process.env`). */
  env?: Readonly<Record<string, string | undefined>>;
  /** tslab's display API (pass the `tslab` module) for the rich output of the notebook verbs. */
  display?: IDisplaySink;
  /** Scopes the notebook needs; `consentStatus()` checks them. */
  requiredScopes?: readonly string[];
  /** Verify an id_token-derived identity against the Auth JWKS (default true). */
  verifyIdToken?: boolean;
  /** Time limit for fetching the JWKS, in ms (default 3000). */
  jwksTimeoutMs?: number;
  /** A token is `expiring` within this many seconds of expiry (default 300). */
  expiringWindowSeconds?: number;
  /** Redirect URI for consent URLs (default: Auth's code page). */
  redirectUri?: string;
  /** Defaults for every request: time limit per attempt (ms) and retry policy. */
  requestDefaults?: { timeoutMs?: number; retry?: Partial<IRetryPolicy> | false };
}

/** How far the identity can be trusted. */
export interface IIdentityVerification {
  /**
   * `globus_user`: from the hub's userinfo record (no signature to check); `verified`: the
   * id_token's signature and audience checked against the Auth JWKS; `unverified`: the
   * claims are decoded but could not be checked (see `reason`); `none`: no identity.
   */
  status: 'globus_user' | 'verified' | 'unverified' | 'none';
  /** Why not verified. */
  reason?: string;
}

/** The redacted, JSON-safe view of a session. */
export interface ISessionSummary {
  source: SessionSource;
  clientId: string | null;
  identity: {
    sub: string;
    username: string | null;
    name: string | null;
    organization: string | null;
    source: string;
  } | null;
  identityVerification: IIdentityVerification;
  groups: string[];
  tokens: ITokenSummary[];
  warnings: string[];
}

/**
 * Find the stored login of the standalone login (the token file, see `login/token-file.ts`);
 * `undefined` when there is none.
 *
 * @param env - the environment (`GLOBUS_KIT_TOKEN_FILE`, `JUPYTER_DATA_DIR`)
 * @throws LoginError for a corrupt, foreign or too-new token file
 */
export async function loadStoredLogin(
  env: Readonly<Record<string, string | undefined>>
): Promise<INormalisedGlobusData | undefined> {
  return readStoredLogin(env);
}

/** The message for "no credentials anywhere". */
export const NO_CREDENTIALS_MESSAGE =
  'No Globus credentials found. On JupyterHub: ask your admin to enable auth state ' +
  '(enable_auth_state) and pass GLOBUS_DATA to the server, then log out and log in again. ' +
  'Without a hub: run `await login()` in a cell and then `await login.complete(code)`; then ' +
  'run connect() again (in JupyterLab with the Globus extension, kernels take the ' +
  "server's login: log in from the Globus sidebar).";

/**
 * What to do when the hub's auth state holds no tokens (`tokens` is `{}` or `''`, as the
 * hub's Globus authenticator leaves it after a logout that revoked them), in the words the
 * server and the sidebar use. A consent link would be built on the hub's confidential
 * client, which a user cannot complete, so none is offered.
 *
 * @param env - the environment (`GLOBUS_KIT_CLIENT_ID`: a native client for a login here)
 */
export function hubNoTokensMessage(env: Readonly<Record<string, string | undefined>>): string {
  const login = env.GLOBUS_KIT_CLIENT_ID ? ', or log in with Globus (login() in a cell)' : '';
  return `${HUB_GAVE_NO_TOKENS} Log out of the hub and log in again${login}; then run connect() again.`;
}

/** The message for "the Jupyter server holds no credentials" (broker mode). */
export const SERVER_NO_CREDENTIALS_MESSAGE =
  'The Jupyter server holds no Globus tokens. Log in with Globus from the Globus sidebar ' +
  '(or, on JupyterHub, ask your admin to pass GLOBUS_DATA to the server), then run ' +
  'connect() again.';

/**
 * Connect to Globus with the user's credentials: an explicit `globusData` option, else,
 * in a kernel started by a Jupyter server with the extension (`GLOBUS_KIT_TOKEN_BROKER_URL`
 * and `GLOBUS_KIT_TOKEN_BROKER_SECRET` set), the server's credentials through its token
 * broker (`source` `server`: the server renews, and a login, consent or logout in the
 * sidebar applies to the next call; see `login/token-broker.ts`), else the
 * hub's current `auth_state` (JupyterHub's `GET /users/{JUPYTERHUB_USER}`, when
 * `JUPYTERHUB_API_URL`, `JUPYTERHUB_API_TOKEN` and `JUPYTERHUB_USER` are set and the token
 * may read it; see `hub-auth-state.ts`; why it was not used is in `warnings`), else
 * `GLOBUS_DATA` in the environment (frozen when the server started), else the stored login
 * (kernel-helpers' own token file, which `login()` in a cell writes). The same order as the
 * server, whose stored login is its own file.
 *
 * @param options - where to find credentials, display, required scopes
 * @returns the session
 * @throws GlobusKitError `NO_CREDENTIALS` when there is nothing to use (and, from the first
 *   verb, when the hub's auth state holds no tokens: `hubNoTokensMessage`);
 *   GlobusDataError when GLOBUS_DATA cannot be decoded
 */
export async function connect(options: IConnectOptions = {}): Promise<GlobusSession> {
  const env = options.env ?? process.env;
  if (options.display !== undefined && !isDisplaySink(options.display)) {
    throw new BadInputError(
      'display must have the shape of the tslab module ({ display, newDisplay }): pass `tslab`',
      { code: 'BAD_DISPLAY' }
    );
  }
  let data: INormalisedGlobusData | undefined;
  let source: SessionSource;
  let credentialSource: CredentialSource;
  const broker = options.globusData === undefined ? brokerConfig(env) : undefined;
  const hub: HubAuthState | undefined =
    options.globusData === undefined && !broker ? await fetchHubAuthState(env) : undefined;
  let noDataMessage = NO_CREDENTIALS_MESSAGE;
  if (broker) {
    const got = await readBrokerCredentials(broker);
    data = got.data;
    source = 'server';
    credentialSource = got.status.source === 'stored-login' ? 'standalone' : 'hub';
    // The hub's revoked-at-logout case says only what is known, in the sidebar's words.
    noDataMessage =
      got.status.problem?.code === 'no-hub-tokens'
        ? hubNoTokensMessage(env)
        : got.status.problem
          ? `${SERVER_NO_CREDENTIALS_MESSAGE} (${got.status.problem.message})`
          : SERVER_NO_CREDENTIALS_MESSAGE;
  } else if (options.globusData !== undefined) {
    data =
      typeof options.globusData === 'string'
        ? decodeGlobusData(options.globusData)
        : options.globusData;
    source = 'option';
    credentialSource = 'explicit';
  } else if (hub && 'data' in hub) {
    data = hub.data;
    source = 'hub-api';
    credentialSource = 'hub';
  } else if (env.GLOBUS_DATA !== undefined && env.GLOBUS_DATA.trim() !== '') {
    data = decodeGlobusData(env.GLOBUS_DATA);
    source = 'environment';
    credentialSource = 'hub';
  } else {
    data = await loadStoredLogin(env);
    source = 'stored-login';
    credentialSource = 'standalone';
  }
  if (data && data.tokens.length === 0 && source !== 'option' && source !== 'stored-login') {
    // The hub gave no tokens (revoked at a hub logout): a login made since, from the
    // sidebar or login(), takes over; else every Globus call says what happened.
    const stored = await loadStoredLogin(env);
    if (stored && stored.tokens.length > 0) {
      data = stored;
      source = 'stored-login';
      credentialSource = 'standalone';
    }
  }
  if (!data) {
    throw new GlobusKitError(noDataMessage, { code: 'NO_CREDENTIALS' });
  }
  const warnings =
    hub && 'why' in hub && !hub.offHub
      ? [`The hub's current auth_state was not used: ${hub.why}.`, ...data.warnings]
      : [...data.warnings];
  // A hub auth state without tokens (revoked at logout): every Globus call says so.
  const noCredentials =
    source !== 'stored-login' && data.tokens.length === 0 ? hubNoTokensMessage(env) : undefined;
  const authBaseUrl = serviceBaseUrl('auth', env);
  const baseUrls = {
    auth: authBaseUrl,
    transfer: serviceBaseUrl('transfer', env),
    groups: serviceBaseUrl('groups', env)
  };
  const verification = await verifyIdentity(data, authBaseUrl, options);
  return new GlobusSession({
    data,
    source,
    credentialSource,
    authBaseUrl,
    baseUrls,
    verification,
    warnings,
    noCredentials,
    broker,
    options
  });
}

/** What the session is built from. */
interface ISessionInit {
  data: INormalisedGlobusData;
  source: SessionSource;
  credentialSource: CredentialSource;
  authBaseUrl: string;
  baseUrls: Readonly<Record<FixedServiceName, string>>;
  verification: IIdentityVerification;
  /** The decoder's warnings, and why the hub's auth state was not used. */
  warnings: readonly string[];
  /** The `NO_CREDENTIALS` message when the hub gave no tokens. */
  noCredentials: string | undefined;
  /** The server's token broker (source `server`). */
  broker?: IBrokerConfig;
  options: IConnectOptions;
}

/**
 * A connected Globus session: identity, tokens, consents, and the Auth, Transfer and GCS
 * HTTPS clients. Displays redacted everywhere.
 */
export class GlobusSession {
  /** Who is logged in (from `globus_user` or the id_token), if known. */
  readonly identity: INormalisedIdentity | undefined;
  /** How far `identity` can be trusted. */
  readonly identityVerification: IIdentityVerification;
  /** The user's tokens. */
  readonly tokens: TokenSet;
  /** The OAuth client the tokens were issued to (the hub's client). */
  readonly clientId: string | undefined;
  /** Globus group ids from the auth state. */
  readonly groups: readonly string[];
  /** Where the credentials came from. */
  readonly source: SessionSource;
  /** Non-fatal oddities found while decoding (no secrets). */
  readonly warnings: readonly string[];
  /** Scopes the notebook declared it needs. */
  readonly requiredScopes: readonly string[];
  /** The display sink passed to `connect()`, for the notebook verbs. */
  readonly display: IDisplaySink | undefined;
  /** Globus Auth client. */
  readonly auth: AuthClient;
  /**
   * Globus Transfer client; called as a function it is the transfer verb:
   * `await globus.transfer({ from, to, items, label, sync })` submits a transfer, shows its
   * progress until it ends, and returns the final task document.
   */
  readonly transfer: CallableTransferClient;
  /** GCS HTTPS client. */
  readonly https: HttpsClient;
  /** Consent-URL settings (auth base, client id, redirect). */
  readonly consentUrlOptions: IConsentUrlOptions;
  /** Shared state of the clients (for the verbs built on them). */
  readonly context: IServiceContext;
  /**
   * Log in with Globus from a cell (standalone login; see docs/login.md):
   * `await globus.login({ scopes })` shows the link, `await globus.login.complete(code)`
   * stores the tokens, `await globus.login.forConsent(err)` adds a missing consent. Uses this
   * session's environment and display; run `connect()` again afterwards.
   */
  readonly login: ILoginFunction;

  /**
   * Use `connect()`; this constructor is for the library.
   *
   * @param init - decoded data and settings
   */
  constructor(init: ISessionInit) {
    const { data, options } = init;
    this.identity = data.identity;
    this.identityVerification = init.verification;
    this.tokens = TokenSet.fromRecords(data.tokens, {
      expiringWindowSeconds: options.expiringWindowSeconds
    });
    this.clientId = data.clientId;
    this.groups = [...data.groups];
    this.source = init.source;
    this.warnings = [...init.warnings];
    this.requiredScopes = [...(options.requiredScopes ?? [])];
    this.display = options.display;
    this.consentUrlOptions = {
      authBaseUrl: init.authBaseUrl,
      clientId: data.clientId,
      redirectUri: options.redirectUri
    };
    this.context = {
      tokens: this.tokens,
      consent: this.consentUrlOptions,
      credentialSource: init.credentialSource,
      defaults: options.requestDefaults,
      baseUrls: init.baseUrls,
      authorizer:
        init.source === 'server' && init.broker
          ? new BrokerAuthorizer(init.broker, this.tokens, options.expiringWindowSeconds)
          : init.source === 'stored-login'
            ? storedLoginAuthorizer(options.env ?? process.env, options.expiringWindowSeconds)
            : undefined,
      noCredentials: init.noCredentials
    };
    const env = options.env ?? process.env;
    const display = options.display;
    const withSession = (o: ILoginOptions = {}): ILoginOptions => ({ env, display, ...o });
    this.login = Object.assign((o?: ILoginOptions) => login(withSession(o)), {
      complete: (code: string, o: Parameters<ILoginFunction['complete']>[1] = {}) =>
        login.complete(code, { env, ...o }),
      forConsent: (error: Parameters<ILoginFunction['forConsent']>[0], o?: ILoginOptions) =>
        login.forConsent(error, withSession(o)),
      logout: (o: Parameters<ILoginFunction['logout']>[0] = {}) => login.logout({ env, ...o })
    });
    this.auth = new AuthClient(this.context);
    this.transfer = callableTransfer(new TransferClient(this.context), options =>
      transfer(this, options)
    );
    this.https = new HttpsClient(this.context, this.transfer);
  }

  /**
   * Each required scope, granted or missing (with a consent URL for a missing one, except
   * when the hub gave no tokens: see `hubNoTokensMessage`).
   *
   * @param requiredScopes - scopes to check (default: those given to `connect()`)
   */
  consentStatus(requiredScopes: readonly string[] = this.requiredScopes): IConsentStatusEntry[] {
    const entries = consentStatus(requiredScopes, this.tokens, this.consentUrlOptions);
    // No tokens from the hub: a consent link on the hub's client cannot be completed.
    return this.context.noCredentials === undefined
      ? entries
      : entries.map(e => ({ ...e, consentUrl: undefined }));
  }

  // ---- Notebook verbs (src/flow/): each shows progress in one updatable display and a
  // rich result when the session has a display, and returns the same value without one.

  /**
   * Show and return who is logged in (identity, linked identities) and the tokens and
   * consents, redacted.
   *
   * @param options - signal
   */
  whoami(options?: IVerbOptions): Promise<IWhoamiResult> {
    return whoami(this, options);
  }

  /**
   * Stream a CSV from a URL or `{ collection, path }` into a typed `Table`; shows a
   * head/tail preview.
   *
   * @param source - an http(s) URL or `{ collection, path }`
   * @param options - column types, parser limits, preview size, signal
   */
  fetchCsv(source: CsvFetchSource, options?: IFetchCsvOptions): Promise<Table> {
    return fetchCsv(this, source, options);
  }

  /**
   * Show a vega-lite chart of a table and return it (`toPng()`, `toSvg()`).
   *
   * @param table - the data
   * @param spec - `{ x, y, title }` or a full vega-lite spec
   * @param options - signal
   */
  plot(table: Table, spec: IPlotSpec | VegaLiteSpec, options?: IVerbOptions): Promise<Chart> {
    return plot(this, table, spec, options);
  }

  /**
   * Upload bytes, text, a chart (PNG, or SVG for `.svg`) or `{ file }` to a collection
   * over HTTPS, creating missing folders.
   *
   * @param data - what to upload
   * @param options - `collection`, `path`, content type, signal
   */
  upload(data: UploadInput, options: IUploadVerbOptions): Promise<IUploadVerbResult>;
  /**
   * Upload to an S3 workspace (`{ workspace, key }`; a `Workspace` from `connectOidc()`).
   *
   * @param data - what to upload
   * @param options - `workspace`, `key`, `onProgress`, content type, signal
   */
  upload(
    data: WorkspaceUploadInput,
    options: IWorkspaceUploadVerbOptions
  ): Promise<IWorkspaceUploadResult>;
  upload(
    data: UploadInput | WorkspaceUploadInput,
    options: IUploadVerbOptions | IWorkspaceUploadVerbOptions
  ): Promise<IUploadVerbResult | IWorkspaceUploadResult> {
    return 'workspace' in options
      ? upload(this, data as WorkspaceUploadInput, options)
      : upload(this, data as UploadInput, options);
  }

  /**
   * Show and return the HTTPS URL and the Globus web app link of a path.
   *
   * @param collection - id or display name
   * @param path - absolute path
   * @param options - signal
   */
  link(collection: CollectionInput, path: string, options?: IVerbOptions): Promise<ILinkResult>;
  /**
   * Show and return a presigned download URL of an object in an S3 workspace.
   *
   * @param target - `{ workspace, key }` (a `Workspace` from `connectOidc()`)
   * @param options - `expiresIn` seconds
   */
  link(target: IWorkspaceKey, options?: IWorkspaceLinkOptions): Promise<ISignedUrl>;
  /**
   * Show and return the HTTPS URL and the web app link of `{ collection, path }` (the form
   * `fetchCsv` and `upload` take).
   *
   * @param target - `{ collection, path }`
   * @param options - signal
   */
  link(target: ICollectionPath, options?: IVerbOptions): Promise<ILinkResult>;
  link(
    target: CollectionInput | ICollectionPath | IWorkspaceKey,
    path?: string | IWorkspaceLinkOptions | IVerbOptions,
    options?: IVerbOptions
  ): Promise<ILinkResult | ISignedUrl> {
    if (isWorkspaceKey(target)) {
      return link(this, target, typeof path === 'object' ? path : options);
    }
    return isCollectionPath(target)
      ? link(this, target, path as IVerbOptions | undefined)
      : link(this, target, path as string, options);
  }

  /**
   * Share a folder of a guest collection with an identity (id or username) or a group.
   *
   * @param collection - id or display name
   * @param path - folder path
   * @param options - `identity` or `group`, `permissions`, signal
   */
  share(collection: CollectionInput, path: string, options: IShareOptions): Promise<IShareResult>;
  /**
   * Share a folder given as `{ collection, path }` (the form `fetchCsv` and `upload` take).
   *
   * @param target - `{ collection, path }` on a guest collection
   * @param options - `identity` or `group`, `permissions`, signal
   */
  share(target: ICollectionPath, options: IShareOptions): Promise<IShareResult>;
  share(
    target: CollectionInput | ICollectionPath,
    path: string | IShareOptions,
    options?: IShareOptions
  ): Promise<IShareResult> {
    return isCollectionPath(target)
      ? share(this, target, path as IShareOptions)
      : share(this, target, path as string, options as IShareOptions);
  }

  /**
   * List a folder as a `Table` (name, type, size, last_modified, permissions).
   *
   * @param collection - id or display name
   * @param path - folder path (default `/~/`)
   * @param options - hidden files, preview size, signal
   */
  ls(collection: CollectionInput, path?: string, options?: ILsVerbOptions): Promise<Table>;
  /**
   * List a folder given as `{ collection, path }` (the form `fetchCsv` and `upload` take).
   *
   * @param target - `{ collection, path }` (path default `/~/`)
   * @param options - hidden files, preview size, signal
   */
  ls(target: ICollectionPath, options?: ILsVerbOptions): Promise<Table>;
  ls(
    target: CollectionInput | ICollectionPath,
    path?: string | ILsVerbOptions,
    options?: ILsVerbOptions
  ): Promise<Table> {
    return isCollectionPath(target)
      ? ls(this, target, path as ILsVerbOptions | undefined)
      : ls(this, target, path as string | undefined, options);
  }

  /** The redacted, JSON-safe view. */
  toJSON(): ISessionSummary {
    const id = this.identity;
    return {
      source: this.source,
      clientId: this.clientId ?? null,
      identity: id
        ? {
            sub: id.sub,
            username: id.username ?? null,
            name: id.name ?? null,
            organization: id.organization ?? null,
            source: id.source
          }
        : null,
      identityVerification: this.identityVerification,
      groups: [...this.groups],
      tokens: this.tokens.toJSON(),
      warnings: [...this.warnings]
    };
  }

  /** One line, redacted. */
  toString(): string {
    const who = this.identity?.username ?? this.identity?.sub ?? 'unknown user';
    return `GlobusSession(${who}, ${this.tokens.size} tokens, from ${this.source})`;
  }

  /** Redacted `util.inspect` / console / tslab view. */
  [inspect.custom](_depth: number, options: InspectOptions): string {
    return `GlobusSession ${inspect(this.toJSON(), { ...options, depth: 4 })}`;
  }
}

/**
 * Decide how far the identity can be trusted; verify an id_token-derived one against the
 * Auth JWKS when reachable (signature and audience; the token's age does not matter for
 * naming the user, so expiry is judged at its issue time).
 */
async function verifyIdentity(
  data: INormalisedGlobusData,
  authBaseUrl: string,
  options: IConnectOptions
): Promise<IIdentityVerification> {
  if (!data.identity) {
    return { status: 'none' };
  }
  if (data.identity.source === 'globus_user') {
    return { status: 'globus_user' };
  }
  if (!data.idToken) {
    return { status: 'unverified', reason: 'no id_token to verify' };
  }
  if (options.verifyIdToken === false) {
    return { status: 'unverified', reason: 'verification turned off' };
  }
  try {
    const jose = await import('jose');
    const claims = jose.decodeJwt(data.idToken);
    const jwks = jose.createRemoteJWKSet(new URL(`${authBaseUrl}/jwk.json`), {
      timeoutDuration: options.jwksTimeoutMs ?? 3000
    });
    const at = typeof claims.iat === 'number' ? new Date(claims.iat * 1000) : new Date();
    const { payload } = await jose.jwtVerify(data.idToken, jwks, {
      audience: data.clientId,
      issuer: [authBaseUrl, 'https://auth.globus.org'],
      currentDate: at,
      clockTolerance: 300
    });
    if (payload.sub !== data.identity.sub) {
      return { status: 'unverified', reason: 'id_token subject differs from the identity' };
    }
    return { status: 'verified' };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const reason =
      typeof code === 'string'
        ? `${code}${code === 'ERR_JWKS_TIMEOUT' ? ' (Auth not reachable in time)' : ''}`
        : 'Auth JWKS not reachable';
    return { status: 'unverified', reason };
  }
}
