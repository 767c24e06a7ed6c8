/**
 * `globus.whoami()`: who is logged in, their linked identities, and the tokens and
 * consents the notebook holds — redacted (fingerprints, never token text).
 */
import { joinHtml, keyValueHtml, linkHtml } from '../display/html';
import type { IConsentStatusEntry } from '../tokens/consents';
import type { TokenStatus } from '../tokens/token';
import { requireCredentials } from '../services/service-context';
import { formatDuration, gridHtml } from './verb-html';
import { type IVerbContext, type IVerbOptions, runVerb, showHtml } from './verb-context';

/** One identity of the user. */
export interface IWhoamiIdentity {
  id: string;
  username: string | null;
  name: string | null;
  organization: string | null;
  identityProvider: string | null;
}

/** One token, redacted. */
export interface IWhoamiToken {
  resourceServer: string;
  scopes: string[];
  /** Seconds until expiry (negative when expired), when known. */
  expiresInSeconds: number | null;
  status: TokenStatus;
  /** First 8 hex digits of the token's SHA-256: tells tokens apart without revealing them. */
  fingerprint: string;
}

/** What `whoami()` returns. */
export interface IWhoamiResult {
  /** The primary identity (null when the credentials carry none). */
  identity: IWhoamiIdentity | null;
  /** Every identity of the user's identity set, the primary one first (from Globus Auth when it can be asked). */
  linkedIdentities: IWhoamiIdentity[];
  /** Where the identity came from: `userinfo` (asked Globus Auth now) or `credentials`. */
  identitySource: 'userinfo' | 'credentials' | 'none';
  tokens: IWhoamiToken[];
  /** The scopes given to `connect({ requiredScopes })`, granted or missing with a consent URL. */
  consents: IConsentStatusEntry[];
}

/**
 * Show and return the identity card and the token/consent table.
 *
 * Asks Globus Auth's userinfo (for linked identities) when there is an Auth token;
 * otherwise uses the identity from the credentials.
 *
 * @param ctx - the session
 * @param options - signal
 */
export function whoami(ctx: IVerbContext, options: IVerbOptions = {}): Promise<IWhoamiResult> {
  return runVerb(ctx, 'Who am I', async () => {
    requireCredentials(ctx.context);
    let identity: IWhoamiIdentity | null = null;
    let linked: IWhoamiIdentity[] = [];
    let identitySource: IWhoamiResult['identitySource'] = 'none';
    if (ctx.tokens.for('auth.globus.org')) {
      const info = await ctx.auth.userinfo.get({ signal: options.signal });
      identity = {
        id: info.sub,
        username: info.preferred_username ?? null,
        name: info.name ?? null,
        organization: info.organization ?? null,
        identityProvider: info.identity_provider_display_name ?? null
      };
      linked = (info.identity_set ?? []).map(i => ({
        id: i.sub,
        username: i.username ?? null,
        name: i.name ?? null,
        organization: i.organization ?? null,
        identityProvider: i.identity_provider_display_name ?? null
      }));
      identitySource = 'userinfo';
    } else if (ctx.identity) {
      const i = ctx.identity;
      identity = {
        id: i.sub,
        username: i.username ?? null,
        name: i.name ?? null,
        organization: i.organization ?? null,
        identityProvider: i.identityProviderDisplayName ?? null
      };
      identitySource = 'credentials';
    }
    if (identity && !linked.some(l => l.id === identity!.id)) {
      linked.unshift(identity);
    }
    linked.sort((a, b) => (a.id === identity?.id ? -1 : b.id === identity?.id ? 1 : 0));
    const now = Date.now();
    const tokens: IWhoamiToken[] = ctx.tokens.resourceServers.flatMap(rs => {
      const t = ctx.tokens.for(rs);
      if (!t) {
        return [];
      }
      const left = t.expiresInSeconds(now);
      return [
        {
          resourceServer: t.resourceServer,
          scopes: t.scopeNames,
          expiresInSeconds: left ?? null,
          status: t.status({ now }),
          fingerprint: t.fingerprint
        }
      ];
    });
    const consents = ctx.requiredScopes.length ? ctx.consentStatus() : [];
    const result: IWhoamiResult = {
      identity,
      linkedIdentities: linked,
      identitySource,
      tokens,
      consents
    };
    showHtml(ctx.display, whoamiHtml(result));
    return result;
  });
}

/**
 * The identity card, linked identities, tokens and consents as HTML.
 *
 * @param r - the result
 */
export function whoamiHtml(r: IWhoamiResult) {
  const parts = [];
  parts.push(
    r.identity
      ? keyValueHtml(
          [
            ['Name', r.identity.name],
            ['Username', r.identity.username],
            ['Organization', r.identity.organization],
            ['Identity provider', r.identity.identityProvider],
            ['Identity id', r.identity.id]
          ],
          { title: 'Globus identity' }
        )
      : keyValueHtml([['Identity', 'unknown (the credentials carry no identity)']], {
          title: 'Globus identity'
        })
  );
  if (r.linkedIdentities.length > 1) {
    parts.push(
      gridHtml(
        ['Username', 'Name', 'Organization', 'Identity provider'],
        r.linkedIdentities.map(i => [i.username, i.name, i.organization, i.identityProvider]),
        { caption: 'Linked identities' }
      )
    );
  }
  parts.push(
    gridHtml(
      ['Resource server', 'Scopes', 'Expires in', 'Status', 'Token'],
      r.tokens.map(t => [
        t.resourceServer,
        t.scopes.join(' '),
        formatDuration(t.expiresInSeconds ?? undefined),
        t.status,
        `${t.fingerprint}… (redacted)`
      ]),
      { caption: `Tokens (${r.tokens.length})` }
    )
  );
  if (r.consents.length) {
    parts.push(
      gridHtml(
        ['Required scope', 'Status', 'Action'],
        r.consents.map(c => [
          c.scope,
          c.status,
          c.consentUrl ? linkHtml('Grant consent', c.consentUrl) : null
        ]),
        { caption: 'Consents' }
      )
    );
  }
  return joinHtml(parts, { className: 'jp-GlobusKit-Whoami' });
}
