/**
 * The Jupyter server's token broker, as a tslab kernel it started sees it.
 *
 * When the server extension loads it sets `GLOBUS_KIT_TOKEN_BROKER_URL` and
 * `GLOBUS_KIT_TOKEN_BROKER_SECRET`, which its kernels inherit. `connect()` then takes the
 * identity and the tokens from the server (`session.source === 'server'`), and every call
 * runs through {@link BrokerAuthorizer}: it takes the server's current token just before
 * the call, and asks again after a 401 (naming the refused token by its SHA-256 only), so
 * a login, consent or logout done in the sidebar applies to the kernel's next call. The
 * server renews (within a minute of expiry); the kernel never holds a refresh token.
 *
 * Node's `http` module, not `fetch`: undici's fetch sends `Sec-Fetch-Mode`, which the
 * broker refuses as a browser header.
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { isGlobusApiError } from '../errors/api-error';
import { ConsentRequiredError, isConsentRequiredError } from '../errors/consent-required-error';
import { GlobusKitError } from '../errors/globus-kit-error';
import { isTokenExpiredError, TokenExpiredError } from '../errors/token-expired-error';
import type { INormalisedGlobusData, INormalisedIdentity } from '../globus-data/types';
import { Token } from '../tokens/token';
import type { TokenSet } from '../tokens/token-set';
import type { IRequestAuthorizer } from './refresh-authorizer';

/** The variables the server sets for its kernels. */
export const BROKER_URL_VAR = 'GLOBUS_KIT_TOKEN_BROKER_URL';
/** The secret's variable. */
export const BROKER_SECRET_VAR = 'GLOBUS_KIT_TOKEN_BROKER_SECRET';
const SECRET_HEADER = 'X-Globus-Kit-Broker-Secret';
const TIMEOUT_MS = 30_000;
const MAX_ANSWER_BYTES = 1024 * 1024;

/** Where the broker is and the secret to show it. */
export interface IBrokerConfig {
  /** Base URL, e.g. `http://127.0.0.1:8888/globus-kit/broker`. */
  readonly url: string;
  /** The per-server-start secret (never printed). */
  readonly secret: string;
}

/**
 * The broker of the server that started this kernel, or `undefined` without one.
 *
 * @param env - the environment
 */
export function brokerConfig(
  env: Readonly<Record<string, string | undefined>>
): IBrokerConfig | undefined {
  const url = env[BROKER_URL_VAR]?.trim();
  const secret = env[BROKER_SECRET_VAR]?.trim();
  if (!url || !secret || !/^https?:\/\//.test(url)) {
    return undefined;
  }
  return { url: url.replace(/\/+$/, ''), secret };
}

/** One token as the broker hands it out. */
export interface IBrokerToken {
  resourceServer: string;
  accessToken: string;
  tokenType: string;
  expiresAt: number | null;
  scopes: string[];
  source: string;
}

/** The broker's status document (the `/globus-kit/status` one: no token in it). */
export interface IBrokerStatus {
  source: string;
  clientId: string | null;
  identity: Record<string, unknown> | null;
  tokens: Array<{ resourceServer: string; scopes: string[]; expiresAt: number | null }>;
  groups: string[];
  problem: { code: string; message: string } | null;
}

type Json = Record<string, unknown>;

/**
 * POST to the broker; the typed error of its answer, or a `BROKER_UNAVAILABLE` one.
 *
 * @param config - where and the secret
 * @param operation - `token` or `status`
 * @param body - the JSON body
 */
async function ask(config: IBrokerConfig, operation: string, body: Json): Promise<Json> {
  const payload = Buffer.from(JSON.stringify(body));
  const url = new URL(`${config.url}/${operation}`);
  const client = url.protocol === 'https:' ? https : http;
  const { status, text } = await new Promise<{ status: number; text: string }>(
    (resolve, reject) => {
      const req = client.request(
        url,
        {
          method: 'POST',
          headers: {
            [SECRET_HEADER]: config.secret,
            'Content-Type': 'application/json',
            Accept: 'application/json',
            'Content-Length': payload.length
          },
          timeout: TIMEOUT_MS
        },
        res => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size <= MAX_ANSWER_BYTES) chunks.push(c);
          });
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') })
          );
          res.on('error', reject);
        }
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
      req.end(payload);
    }
  ).catch((error: unknown) => {
    throw new GlobusKitError(
      "The Jupyter server's token broker is not reachable " +
        `(${(error as { code?: string }).code ?? (error as Error).message}); if the server ` +
        'was restarted, restart this kernel.',
      { code: 'BROKER_UNAVAILABLE' }
    );
  });
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    doc = undefined;
  }
  const answer: Json = doc !== null && typeof doc === 'object' ? (doc as Json) : {};
  if (status >= 200 && status < 300 && doc !== undefined) {
    return answer;
  }
  throw brokerError(status, answer);
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * The typed error for a broker refusal (same codes as the server's routes).
 *
 * @param status - the HTTP status
 * @param doc - the error document
 */
function brokerError(status: number, doc: Json): GlobusKitError {
  const code = str(doc.code) ?? `HTTP_${status}`;
  const message = str(doc.message) ?? `The token broker answered ${status}.`;
  if (code === 'CONSENT_REQUIRED') {
    const scopes = Array.isArray(doc.requiredScopes)
      ? doc.requiredScopes.filter((s): s is string => typeof s === 'string')
      : [];
    return new ConsentRequiredError({
      requiredScopes: scopes,
      authorizationParameters: { required_scopes: scopes },
      consentUrl: str(doc.consentUrl),
      globusCode: 'ConsentRequired',
      status: 403
    });
  }
  if (code === 'TOKEN_EXPIRED') {
    const remedy = str(doc.remedy) ?? '';
    return new TokenExpiredError({
      resourceServer: str(doc.resourceServer) ?? 'unknown',
      source: remedy.includes('hub') ? 'hub' : 'standalone'
    });
  }
  return new GlobusKitError(message, { code });
}

/**
 * A token from the broker.
 *
 * @param config - the broker
 * @param resource - resource server, collection id or scope
 * @param rejected - the token a service just refused
 */
export async function brokerToken(
  config: IBrokerConfig,
  resource: string,
  rejected?: Token
): Promise<IBrokerToken> {
  const body: Json = { resource };
  if (rejected) {
    body.rejected = createHash('sha256').update(rejected.unsafeRevealAccessToken()).digest('hex');
  }
  const doc = await ask(config, 'token', body);
  if (typeof doc.accessToken !== 'string' || typeof doc.resourceServer !== 'string') {
    throw new GlobusKitError('The token broker answered without a token.', {
      code: 'MALFORMED_RESPONSE'
    });
  }
  return {
    resourceServer: doc.resourceServer,
    accessToken: doc.accessToken,
    tokenType: str(doc.tokenType) ?? 'Bearer',
    expiresAt: typeof doc.expiresAt === 'number' ? doc.expiresAt : null,
    scopes: Array.isArray(doc.scopes) ? doc.scopes.filter(s => typeof s === 'string') : [],
    source: str(doc.source) ?? 'unknown'
  };
}

/**
 * The server's status (identity and token list, no token).
 *
 * @param config - the broker
 */
export async function brokerStatus(config: IBrokerConfig): Promise<IBrokerStatus> {
  const doc = await ask(config, 'status', {});
  const tokens = Array.isArray(doc.tokens) ? (doc.tokens as Json[]) : [];
  const problem = doc.problem as Json | null | undefined;
  return {
    source: str(doc.source) ?? 'none',
    clientId: str(doc.clientId) ?? null,
    identity:
      doc.identity !== null && typeof doc.identity === 'object' ? (doc.identity as Json) : null,
    tokens: tokens
      .filter(t => t !== null && typeof t === 'object' && typeof t.resourceServer === 'string')
      .map(t => ({
        resourceServer: t.resourceServer as string,
        scopes: Array.isArray(t.scopes) ? (t.scopes as string[]) : [],
        expiresAt: typeof t.expiresAt === 'number' ? t.expiresAt : null
      })),
    groups: Array.isArray(doc.groups) ? (doc.groups as string[]) : [],
    problem:
      problem && typeof problem === 'object'
        ? { code: String(problem.code), message: String(problem.message) }
        : null
  };
}

/**
 * The server's credentials as the normalised record `connect()` builds a session from:
 * the identity of the status document, and every token it lists fetched from the broker.
 * `undefined` when the server holds none (the caller throws `NO_CREDENTIALS`).
 *
 * @param config - the broker
 */
export async function readBrokerCredentials(
  config: IBrokerConfig
): Promise<{ data: INormalisedGlobusData | undefined; status: IBrokerStatus }> {
  const status = await brokerStatus(config);
  if (status.tokens.length === 0) {
    return { data: undefined, status };
  }
  const tokens = await Promise.all(
    status.tokens.map(t => brokerToken(config, t.resourceServer).catch(() => undefined))
  );
  const id = status.identity;
  let identity: INormalisedIdentity | undefined;
  if (id && typeof id.sub === 'string') {
    const s = (k: string): string | undefined => str(id[k]);
    identity = {
      sub: id.sub,
      username: s('preferred_username'),
      name: s('name'),
      email: s('email'),
      identityProvider: s('identity_provider'),
      identityProviderDisplayName: s('identity_provider_display_name'),
      organization: s('organization'),
      // The server took it from the hub's userinfo or an id_token; not verified here.
      source: 'globus_user',
      claims: { ...id }
    };
  }
  const data: INormalisedGlobusData = {
    shape: '16+',
    clientId: status.clientId ?? undefined,
    identity,
    groups: status.groups.filter(g => typeof g === 'string'),
    tokens: tokens
      .filter((t): t is IBrokerToken => t !== undefined)
      .map(t => ({
        resourceServer: t.resourceServer,
        accessToken: t.accessToken,
        scope: t.scopes.join(' '),
        tokenType: t.tokenType,
        expiresAtSeconds: t.expiresAt ?? undefined,
        source: 'tokens' as const
      })),
    sourceKeys: [],
    warnings: status.problem ? [status.problem.message] : []
  };
  return { data, status };
}

/**
 * Runs each call with the server's current token for its resource server, asked for just
 * before the call (one loopback request): a login, renewal, consent or logout done in the
 * sidebar applies to the very next call, even when the token the kernel held is still
 * valid at Globus. After a 401 it asks again naming the refused token (the server renews
 * it when it can; after a logout this is the server's `NO_CREDENTIALS`), and after a
 * `ConsentRequiredError` it asks again (a consent granted since comes with a new token);
 * the call is repeated with a different token, at most twice.
 */
export class BrokerAuthorizer implements IRequestAuthorizer {
  /** Tokens this authorizer asked the broker for (tests and diagnostics). */
  askCount = 0;
  readonly #config: IBrokerConfig;
  readonly #tokens: TokenSet | undefined;
  readonly #expiringWindowSeconds: number | undefined;

  /**
   * @param config - the broker
   * @param tokens - the session's token set, kept up to date with what the broker hands out
   * @param expiringWindowSeconds - the `expiring` window of the tokens
   */
  constructor(config: IBrokerConfig, tokens?: TokenSet, expiringWindowSeconds?: number) {
    this.#config = config;
    this.#tokens = tokens;
    this.#expiringWindowSeconds = expiringWindowSeconds;
  }

  /** @inheritdoc */
  async run<T>(
    token: Token | undefined,
    call: (token: Token | undefined) => Promise<T>
  ): Promise<T> {
    if (!token) {
      return this.#anonymousFirst(call);
    }
    const rs = token.resourceServer;
    let current = await this.#ask(rs);
    for (let renewals = 0; ; renewals++) {
      try {
        return await call(current);
      } catch (error) {
        const unauthorized =
          isTokenExpiredError(error) || (isGlobusApiError(error) && error.status === 401);
        if ((!unauthorized && !isConsentRequiredError(error)) || renewals >= 2) {
          throw error;
        }
        const renewed = await this.#ask(rs, unauthorized ? current : undefined);
        if (renewed.unsafeRevealAccessToken() === current.unsafeRevealAccessToken()) {
          throw error;
        }
        current = renewed;
      }
    }
  }

  /**
   * A call with no token (a collection the session held no token for at connect time is
   * tried anonymously): when it needs a collection's `https` scope, the server may hold
   * that token by now (a consent granted in the sidebar); ask for it and call once more.
   */
  async #anonymousFirst<T>(call: (token: Token | undefined) => Promise<T>): Promise<T> {
    try {
      return await call(undefined);
    } catch (error) {
      const scope = isConsentRequiredError(error)
        ? error.requiredScopes.find(s =>
            /^https:\/\/auth\.globus\.org\/scopes\/[^/]+\/https$/.test(s)
          )
        : undefined;
      if (scope === undefined) {
        throw error;
      }
      let token: Token;
      try {
        token = await this.#ask(scope);
      } catch {
        throw error; // still no consent: the original error, with its consent link
      }
      return call(token);
    }
  }

  async #ask(resourceServer: string, rejected?: Token): Promise<Token> {
    this.askCount++;
    const t = await brokerToken(this.#config, resourceServer, rejected);
    const token = new Token(
      {
        resourceServer: t.resourceServer,
        accessToken: t.accessToken,
        scope: t.scopes.join(' '),
        expiresAtSeconds: t.expiresAt ?? undefined,
        tokenType: t.tokenType
      },
      { expiringWindowSeconds: this.#expiringWindowSeconds }
    );
    this.#tokens?.replace(token);
    return token;
  }
}
