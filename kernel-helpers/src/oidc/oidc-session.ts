/**
 * `connectOidc()`: the same one-line cells for a platform that is not Globus — any OIDC
 * provider (discovery from the issuer, client credentials for an app, PKCE login for a
 * person, refresh, userinfo, id_token checked against the JWKS) and the platform's S3
 * workspaces (list, STS credentials, objects, signed URLs).
 */
import { inspect, type InspectOptions } from 'node:util';
import { keyValueHtml, joinHtml } from '../display/html';
import { isDisplaySink, type IDisplaySink } from '../display/sink';
import { BadInputError } from '../errors/bad-input-error';
import type { IFetchCsvOptions } from '../flow/read-csv';
import type { Chart, IPlotSpec, VegaLiteSpec } from '../flow/plot';
import { plot } from '../flow/plot-chart';
import type { Table } from '../flow/table';
import { runVerb, showHtml, type IVerbOptions } from '../flow/verb-context';
import { formatDuration, gridHtml } from '../flow/verb-html';
import { forgetPendingLogins, pendingLoginsPath } from '../login/pending-logins';
import { TokenFile, type IStoredIdentity } from '../login/token-file';
import type { Token } from '../tokens/token';
import { PlatformClient, type IPlatformUserInfo } from '../workspaces/platform-client';
import { Workspace } from '../workspaces/workspace';
import { workspaceInfoOf } from '../workspaces/workspace-info';
import type {
  ISignedUrl,
  IWorkspaceInfo,
  IWorkspaceUploadResult,
  WorkspaceUploadInput
} from '../workspaces/workspace-types';
import { WorkspaceError } from '../workspaces/workspace-error';
import {
  fetchWorkspaceCsv,
  linkWorkspace,
  uploadToWorkspace,
  type IWorkspaceKey,
  type IWorkspaceLinkOptions,
  type IWorkspaceUploadVerbOptions
} from '../workspaces/workspace-verbs';
import { oidcTokenFilePath, scopesFromEnv } from './oidc-config';
import { OidcCredentials, type OidcCredentialSource } from './oidc-credentials';
import { OidcError } from './oidc-error';
import {
  completeOidcLogin,
  startOidcLogin,
  type IOidcLoginOptions,
  type IOidcLoginResult,
  type IOidcLoginStart
} from './oidc-login';
import { OidcProvider, type IOidcProviderMetadata, type IOidcUserinfo } from './oidc-provider';

/** Options of {@link connectOidc}; each falls back to its environment variable. */
export interface IConnectOidcOptions {
  /** The issuer URL (`GLOBUS_KIT_OIDC_ISSUER`); https, or http on a loopback address only. */
  issuer?: string;
  /** The client id (`GLOBUS_KIT_OIDC_CLIENT_ID`). */
  clientId?: string;
  /**
   * A confidential client's secret (`GLOBUS_KIT_OIDC_CLIENT_SECRET`): the session then
   * uses the client credentials grant. Without it, the stored (PKCE) login is used.
   */
  clientSecret?: string;
  /** Scopes (`GLOBUS_KIT_OIDC_SCOPES`, space-separated; default `openid profile email offline_access platform`). */
  scopes?: readonly string[];
  /** The workspace API base URL (`GLOBUS_KIT_PLATFORM_URL`). */
  platformUrl?: string;
  /** tslab's display API (`import * as tslab from 'tslab'`). */
  display?: IDisplaySink;
  /** Environment (default `process.env`). */
  env?: Readonly<Record<string, string | undefined>>;
  /** The stored-login token file (default {@link oidcTokenFilePath}). */
  tokenFile?: string;
  /** Redirect URI of PKCE logins (`GLOBUS_KIT_OIDC_REDIRECT_URI`; default the provider's out-of-band code page). */
  redirectUri?: string;
  /** Per-request time limit of provider calls, seconds (default 30). */
  timeoutSeconds?: number;
  /** Renew tokens and S3 credentials that expire within this many seconds (default 60). */
  renewWindowSeconds?: number;
}

/** The redacted view of the session's token. */
export interface IOidcTokenSummary {
  source: OidcCredentialSource;
  scopes: string[];
  expiresAt: string | null;
  expiresInSeconds: number | null;
  status: 'valid' | 'expiring' | 'expired' | 'unknown';
  hasRefreshToken: boolean;
  /** First 8 hex digits of the access token's SHA-256. */
  fingerprint: string;
}

/** What `whoami()` returns (no secrets). */
export interface IOidcWhoami {
  issuer: string;
  clientId: string;
  source: OidcCredentialSource;
  /** The userinfo answer. */
  userinfo: IOidcUserinfo;
  /** Whether the identity's id_token signature was checked against the provider's JWKS in this session. */
  idTokenVerified: boolean;
  token: IOidcTokenSummary | null;
}

/** The callable `oidc.login` with its companions. */
export interface IOidcLoginFunction {
  /**
   * Start a PKCE login and show its link; finish with `oidc.login.complete(code)`.
   *
   * @param options - scopes, redirect URI
   */
  (options?: IOidcLoginOptions): Promise<IOidcLoginStart>;
  /**
   * Finish the login with the code (or the whole address the browser ended on); the
   * session uses the new tokens at once.
   *
   * @param code - the code or redirect address
   * @param options - which login (`state`)
   */
  complete(code: string, options?: { state?: string }): Promise<IOidcLoginResult>;
  /** Revoke the stored tokens, delete the token file, forget pending logins of this provider. */
  logout(): Promise<{ revoked: number; removed: boolean }>;
}

/**
 * Connect to an OIDC provider (and its platform's workspace API).
 *
 * @param options - issuer, client, secret, scopes, platform URL, display
 * @returns the session; without a secret and without a stored login it holds no token
 *   yet (`await oidc.login()` then `await oidc.login.complete(code)`)
 * @throws OidcError `OIDC_NOT_CONFIGURED`, `OIDC_INSECURE_ISSUER`, `OIDC_DISCOVERY_FAILED`,
 *   `OIDC_TOKEN_FAILED`
 */
export async function connectOidc(options: IConnectOidcOptions = {}): Promise<OidcSession> {
  const env = options.env ?? process.env;
  if (options.display !== undefined && !isDisplaySink(options.display)) {
    throw new BadInputError(
      'display must have the shape of the tslab module ({ display, newDisplay }): pass `tslab`',
      { code: 'BAD_DISPLAY' }
    );
  }
  const issuer = options.issuer ?? env.GLOBUS_KIT_OIDC_ISSUER;
  const clientId = options.clientId ?? env.GLOBUS_KIT_OIDC_CLIENT_ID;
  if (!issuer || !clientId) {
    throw new OidcError({
      code: 'OIDC_NOT_CONFIGURED',
      message: `No OIDC ${issuer ? 'client id' : 'issuer'} is configured.`,
      remedy:
        'Pass connectOidc({ issuer, clientId }) or set GLOBUS_KIT_OIDC_ISSUER and GLOBUS_KIT_OIDC_CLIENT_ID (and GLOBUS_KIT_OIDC_CLIENT_SECRET for an app client).'
    });
  }
  const clientSecret = options.clientSecret ?? env.GLOBUS_KIT_OIDC_CLIENT_SECRET;
  const scopes = options.scopes ? [...options.scopes] : scopesFromEnv(env);
  const provider = await OidcProvider.discover({
    issuer,
    clientId,
    clientSecret,
    timeoutSeconds: options.timeoutSeconds
  });
  const file = new TokenFile(options.tokenFile ?? oidcTokenFilePath(issuer, clientId, env));
  const credentials = new OidcCredentials(provider, {
    scopes,
    file,
    windowSeconds: options.renewWindowSeconds
  });
  if (provider.confidential) {
    await credentials.useClientCredentials();
  } else {
    await credentials.useStoredLogin();
  }
  return new OidcSession(provider, credentials, {
    scopes,
    platformUrl: options.platformUrl ?? env.GLOBUS_KIT_PLATFORM_URL,
    display: options.display,
    redirectUri:
      options.redirectUri ??
      env.GLOBUS_KIT_OIDC_REDIRECT_URI ??
      `${issuer.replace(/\/+$/, '')}/protocol/openid-connect/oob`,
    renewWindowSeconds: options.renewWindowSeconds
  });
}

/** What the session is built from. */
interface IOidcSessionInit {
  scopes: string[];
  platformUrl: string | undefined;
  display: IDisplaySink | undefined;
  redirectUri: string;
  renewWindowSeconds: number | undefined;
}

/**
 * A session with an OIDC provider and its platform's workspaces. Displays are redacted
 * everywhere: no access or refresh token, client secret, S3 secret key or session token
 * appears in any output, error, `inspect`, `toJSON` or `toString`.
 */
export class OidcSession {
  /** The issuer. */
  readonly issuer: string;
  /** The client id. */
  readonly clientId: string;
  /** Scopes asked for. */
  readonly scopes: readonly string[];
  /** The workspace API base URL, if configured. */
  readonly platformUrl: string | undefined;
  /** Where verbs show output. */
  readonly display: IDisplaySink | undefined;
  /** The provider's endpoints (no secrets). */
  readonly metadata: IOidcProviderMetadata;
  /**
   * PKCE login: `await oidc.login()` shows the link, `await oidc.login.complete(code)`
   * stores the tokens (shared with the sidebar) and the session uses them at once.
   */
  readonly login: IOidcLoginFunction;
  readonly #provider: OidcProvider;
  readonly #credentials: OidcCredentials;
  readonly #renewWindow: number | undefined;
  #platform: PlatformClient | undefined;
  readonly #workspaces = new Map<string, Workspace>();

  /**
   * Use `connectOidc()`; this constructor is for the library.
   *
   * @param provider - the discovered provider
   * @param credentials - the token holder
   * @param init - settings
   */
  constructor(provider: OidcProvider, credentials: OidcCredentials, init: IOidcSessionInit) {
    this.#provider = provider;
    this.#credentials = credentials;
    this.#renewWindow = init.renewWindowSeconds;
    this.issuer = provider.issuer;
    this.clientId = provider.clientId;
    this.scopes = init.scopes;
    this.platformUrl = init.platformUrl;
    this.display = init.display;
    this.metadata = provider.metadata;
    const file = credentials.file;
    const start = (o: IOidcLoginOptions = {}): Promise<IOidcLoginStart> =>
      startOidcLogin(
        provider,
        file,
        o.scopes ?? this.scopes,
        o.redirectUri ?? init.redirectUri,
        this.display
      );
    this.login = Object.assign(start, {
      complete: async (code: string, o: { state?: string } = {}) => {
        const { result, grant } = await completeOidcLogin(provider, file, code, o.state);
        credentials.adoptLogin(grant);
        return result;
      },
      logout: () => this.#logout()
    });
  }

  /** Where the current token came from: `client-credentials`, `stored-login` or `none`. */
  get source(): OidcCredentialSource {
    return this.#credentials.source;
  }

  /** The stored-login token file of this issuer and client. */
  get tokenFile(): string {
    return this.#credentials.file.path;
  }

  /** Who the id_token or the stored login names (no secrets), if known. */
  get identity(): IStoredIdentity | null {
    return this.#credentials.identity;
  }

  /** The redacted view of the current token (`null` when there is none). */
  get tokens(): IOidcTokenSummary | null {
    const t = this.#credentials.token;
    return t ? summaryOf(t, this.source) : null;
  }

  /** Token renewals done by this session (tests and diagnostics). */
  get refreshCount(): number {
    return this.#credentials.refreshCount;
  }

  /**
   * A fresh access token (renewed when about to expire). Redacted in every view; the raw
   * value only through `unsafeRevealAccessToken()`, for your own HTTP calls.
   */
  accessToken(): Promise<Token> {
    return this.#credentials.fresh();
  }

  /**
   * The userinfo of the session's subject (renewing the token once after a 401).
   *
   * @throws OidcError `OIDC_LOGIN_REQUIRED`, `OIDC_USERINFO_FAILED`
   */
  userinfo(): Promise<IOidcUserinfo> {
    const sub = this.#credentials.identity?.sub;
    return this.#credentials.run(
      token => this.#provider.userinfo(token, sub),
      error => (error as { status?: unknown }).status === 401
    );
  }

  /**
   * Show and return who is logged in (userinfo) and the token's status.
   *
   * @param options - signal
   */
  whoami(options: IVerbOptions = {}): Promise<IOidcWhoami> {
    return runVerb(this, 'Who am I', async () => {
      void options;
      const userinfo = await this.userinfo();
      const result: IOidcWhoami = {
        issuer: this.issuer,
        clientId: this.clientId,
        source: this.source,
        userinfo,
        idTokenVerified: this.#credentials.idTokenVerified,
        token: this.tokens
      };
      showHtml(this.display, whoamiCard(result));
      return result;
    });
  }

  /** The platform's workspace API client. @throws WorkspaceError `PLATFORM_NOT_CONFIGURED` */
  get platform(): PlatformClient {
    if (!this.platformUrl) {
      throw new WorkspaceError({
        code: 'PLATFORM_NOT_CONFIGURED',
        message: 'No workspace API URL is configured.',
        remedy: 'Pass connectOidc({ platformUrl }) or set GLOBUS_KIT_PLATFORM_URL.'
      });
    }
    this.#platform ??= new PlatformClient(this.platformUrl, this.#credentials);
    return this.#platform;
  }

  /** The platform's view of the caller (`/v2/user/info`). */
  platformUser(): Promise<IPlatformUserInfo> {
    return this.platform.userInfo();
  }

  /**
   * Show and return the caller's workspaces (name, storage type, endpoint, bucket,
   * prefix, scopes). Workspaces that are not S3 are listed with what is known.
   *
   * @param options - signal
   */
  workspaces(options: IVerbOptions = {}): Promise<IWorkspaceInfo[]> {
    return runVerb(this, 'Listing workspaces', async ({ progress }) => {
      void options;
      const platform = this.platform;
      const refs = await platform.list();
      const out = await Promise.all(
        refs.map(async ref => {
          const doc = await platform.get(ref.name);
          try {
            return workspaceInfoOf(doc);
          } catch {
            return {
              name: doc.name,
              storageType: doc.storage_type ?? 'unknown',
              endpoint: doc.end_point ?? '',
              bucket: '',
              prefix: '',
              region: '',
              scopes: doc.scopes ?? []
            };
          }
        })
      );
      progress.update({ files: out.length });
      showHtml(
        this.display,
        gridHtml(
          ['Name', 'Storage', 'Endpoint', 'Bucket', 'Prefix', 'Scopes'],
          out.map(w => [w.name, w.storageType, w.endpoint, w.bucket, w.prefix, w.scopes.join(' ')]),
          { caption: `Workspaces (${out.length})` }
        )
      );
      return out;
    });
  }

  /**
   * One workspace by name (kept per session, so its credentials are reused).
   *
   * @param name - a name from {@link OidcSession.workspaces}
   * @throws WorkspaceError `WORKSPACE_NOT_FOUND`, `WORKSPACE_UNSUPPORTED`
   */
  async workspace(name: string): Promise<Workspace> {
    const known = this.#workspaces.get(name);
    if (known) {
      return known;
    }
    const doc = await this.platform.get(name);
    const ws = new Workspace(doc, this.platform, {
      display: this.display,
      renewWindowSeconds: this.#renewWindow
    });
    this.#workspaces.set(name, ws);
    return ws;
  }

  /**
   * Stream a CSV object of a workspace into a `Table` (with progress and a preview).
   *
   * @param source - `{ workspace, key }`
   * @param options - parser options, preview size, signal
   */
  fetchCsv(source: IWorkspaceKey, options?: IFetchCsvOptions): Promise<Table> {
    return fetchWorkspaceCsv(this, source, options);
  }

  /**
   * Show a chart of a table (vega-lite) and return it (`chart.toPng()`).
   *
   * @param table - the data
   * @param spec - `{ x, y, title }` or a full vega-lite spec
   * @param options - signal
   */
  plot(table: Table, spec: IPlotSpec | VegaLiteSpec, options?: IVerbOptions): Promise<Chart> {
    return plot(this, table, spec, options);
  }

  /**
   * Upload bytes, text, a chart, a local file or a stream to a workspace (multipart for
   * large bodies, progress in one display).
   *
   * @param data - what to upload
   * @param options - `workspace`, `key`, `onProgress`, content type, signal
   */
  upload(
    data: WorkspaceUploadInput,
    options: IWorkspaceUploadVerbOptions
  ): Promise<IWorkspaceUploadResult> {
    return uploadToWorkspace(this, data, options);
  }

  /**
   * Show and return a presigned download URL and its expiry.
   *
   * @param target - `{ workspace, key }`
   * @param options - `expiresIn` seconds
   */
  link(target: IWorkspaceKey, options?: IWorkspaceLinkOptions): Promise<ISignedUrl> {
    return linkWorkspace(this, target, options);
  }

  /** Close the workspaces' S3 connections. */
  dispose(): void {
    for (const ws of this.#workspaces.values()) {
      ws.dispose();
    }
    this.#workspaces.clear();
  }

  /** The redacted, JSON-safe view. */
  toJSON(): Record<string, unknown> {
    return {
      issuer: this.issuer,
      clientId: this.clientId,
      source: this.source,
      identity: this.identity,
      platformUrl: this.platformUrl ?? null,
      token: this.tokens
    };
  }

  /** `OidcSession(<issuer>, <client>, <source>)` */
  toString(): string {
    return `OidcSession(${this.issuer}, ${this.clientId}, ${this.source})`;
  }

  /** Redacted `util.inspect` / console / tslab view. */
  [inspect.custom](_depth: number, options: InspectOptions): string {
    return `OidcSession ${inspect(this.toJSON(), { ...options, depth: 3 })}`;
  }

  async #logout(): Promise<{ revoked: number; removed: boolean }> {
    const file = this.#credentials.file;
    let revoked = 0;
    let removed = false;
    const doc = await file.read().catch(() => undefined);
    if (doc && doc.client_id === this.clientId && doc.auth_base_url === this.issuer) {
      for (const t of Object.values(doc.tokens)) {
        for (const secret of [t.refresh_token, t.access_token]) {
          if (secret && (await this.#provider.revoke(secret))) {
            revoked++;
          }
        }
      }
      await file.remove();
      removed = true;
    }
    // Forget this provider's waiting logins (others' stay).
    await forgetPendingLogins(pendingLoginsPath(file.path), {
      auth_base_url: this.issuer,
      client_id: this.clientId
    });
    if (this.source === 'stored-login') {
      this.#credentials.clear();
    }
    return { revoked, removed };
  }
}

// Module internals (not exported from the package).
function summaryOf(t: Token, source: OidcCredentialSource): IOidcTokenSummary {
  const j = t.toJSON();
  return {
    source,
    scopes: j.scopes,
    expiresAt: j.expiresAt,
    expiresInSeconds: t.expiresInSeconds() ?? null,
    status: j.status,
    hasRefreshToken: j.hasRefreshToken,
    fingerprint: j.fingerprint
  };
}

function whoamiCard(r: IOidcWhoami) {
  const u = r.userinfo;
  const parts = [
    keyValueHtml(
      [
        ['Name', typeof u.name === 'string' ? u.name : null],
        ['Username', typeof u.preferred_username === 'string' ? u.preferred_username : null],
        ['Email', typeof u.email === 'string' ? u.email : null],
        ['Subject', u.sub],
        ['Provider', r.issuer],
        ['Client', r.clientId],
        ['Credentials', r.source],
        [
          'id_token',
          r.idTokenVerified ? 'verified against the provider’s JWKS' : 'not checked in this session'
        ]
      ],
      { title: 'OIDC identity' }
    )
  ];
  if (r.token) {
    const t = r.token;
    parts.push(
      gridHtml(
        ['Scopes', 'Expires in', 'Status', 'Refresh token', 'Token'],
        [
          [
            t.scopes.join(' '),
            formatDuration(t.expiresInSeconds ?? undefined),
            t.status,
            t.hasRefreshToken ? 'yes' : 'no',
            `${t.fingerprint}… (redacted)`
          ]
        ],
        { caption: 'Token' }
      )
    );
  }
  return joinHtml(parts, { className: 'jp-GlobusKit-Whoami' });
}
