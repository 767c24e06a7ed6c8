/**
 * Which of the required scopes the tokens grant, and for each missing one a Globus
 * authorize URL that asks for exactly it (with the `session_required_*` parameters when a
 * Globus Auth Requirements Error asked for them).
 *
 * @see https://docs.globus.org/api/auth/reference/#authorization_code_grant_preferred
 * @see https://docs.globus.org/guides/overviews/gares/
 */
import { IAuthorizationParameters } from '../errors/consent-required-error';
import { IScope, parseScopes, formatScope, resourceServerOfScope } from './scopes';
import { TokenSet } from './token-set';

/** Where and for whom a consent URL is built. */
export interface IConsentUrlOptions {
  /** Globus Auth base URL (default: production, or `GLOBUS_SDK_SERVICE_URL_AUTH`). */
  authBaseUrl?: string;
  /** OAuth client whose consent is asked for (from GLOBUS_DATA's `client_id`). */
  clientId?: string;
  /** Redirect URI (default: Auth's native-app code page, `<auth>/v2/web/auth-code`). */
  redirectUri?: string;
  /** GARE parameters to carry over (`session_required_*`, `session_message`, `prompt`). */
  authorizationParameters?: IAuthorizationParameters;
}

/** One required scope and whether it is granted. */
export interface IConsentStatusEntry {
  /** The required scope, as given (may include dependencies). */
  scope: string;
  /** `granted` when a token carries the scope name at top level. */
  status: 'granted' | 'missing';
  /** Resource server of the granting token (or the expected one). */
  resourceServer: string | undefined;
  /** Fingerprint of the granting token. */
  fingerprint: string | undefined;
  /**
   * Dependent scopes that tokens cannot prove (they live in Auth's consent tree); empty
   * when there are none.
   */
  unverifiedDependencies: string[];
  /** For a missing scope: the authorize URL that grants it. */
  consentUrl: string | undefined;
}

/** Production Globus Auth. */
const PRODUCTION_AUTH = 'https://auth.globus.org';

/**
 * Build a Globus authorize URL for `scopes`.
 *
 * @param scopes - scope strings (dependencies allowed)
 * @param options - auth base, client id, redirect URI, GARE parameters
 * @see https://docs.globus.org/api/auth/reference/#authorization_code_grant_preferred
 */
export function buildConsentUrl(
  scopes: readonly string[],
  options: IConsentUrlOptions = {}
): string {
  const base = (
    options.authBaseUrl ??
    process.env.GLOBUS_SDK_SERVICE_URL_AUTH ??
    PRODUCTION_AUTH
  ).replace(/\/+$/, '');
  const url = new URL(`${base}/v2/oauth2/authorize`);
  const q = url.searchParams;
  if (options.clientId) {
    q.set('client_id', options.clientId);
  }
  q.set('redirect_uri', options.redirectUri ?? `${base}/v2/web/auth-code`);
  q.set('scope', scopes.join(' '));
  q.set('response_type', 'code');
  const p = options.authorizationParameters;
  if (p) {
    const lists: Array<keyof IAuthorizationParameters> = [
      'session_required_identities',
      'session_required_policies',
      'session_required_single_domain'
    ];
    for (const key of lists) {
      const v = p[key];
      if (Array.isArray(v) && v.length > 0) {
        q.set(key, v.join(','));
      }
    }
    if (typeof p.session_required_mfa === 'boolean') {
      q.set('session_required_mfa', p.session_required_mfa ? 'true' : 'false');
    }
    if (p.session_message) {
      q.set('session_message', p.session_message);
    }
    // Both SDKs force a fresh login for a GARE so the new session policy applies.
    q.set('prompt', p.prompt ?? 'login');
  }
  return url.toString();
}

/**
 * Compare required scopes with the granted tokens.
 *
 * @param requiredScopes - scope strings (a space-separated string is split at top level)
 * @param tokens - the granted tokens
 * @param options - how to build consent URLs for missing scopes
 */
export function consentStatus(
  requiredScopes: string | readonly string[],
  tokens: TokenSet,
  options: IConsentUrlOptions = {}
): IConsentStatusEntry[] {
  const list: IScope[] = (
    typeof requiredScopes === 'string' ? [requiredScopes] : requiredScopes
  ).flatMap(s => parseScopes(s));
  return list.map(scope => {
    const text = formatScope(scope);
    const token = [...tokens].find(t => t.hasScope(scope.name));
    if (token) {
      return {
        scope: text,
        status: 'granted',
        resourceServer: token.resourceServer,
        fingerprint: token.fingerprint,
        unverifiedDependencies: scope.dependencies.map(formatScope),
        consentUrl: undefined
      };
    }
    return {
      scope: text,
      status: 'missing',
      resourceServer: resourceServerOfScope(scope.name),
      fingerprint: undefined,
      unverifiedDependencies: scope.dependencies.map(formatScope),
      consentUrl: buildConsentUrl([text], options)
    };
  });
}
