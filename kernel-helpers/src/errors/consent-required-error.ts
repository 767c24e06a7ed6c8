/**
 * A Globus service needs a consent (or a fresher / stronger login session) that the
 * current tokens do not carry: Transfer's `ConsentRequired`, any Globus Auth Requirements
 * Error (GARE), Auth's `dependent_consent_required`, or a GCS HTTPS 401 that names the
 * scopes it wants.
 */
import { GlobusKitError, hasErrorName, type IErrorLink } from './globus-kit-error';
import { GlobusServiceName, SERVICE_LABELS } from './api-error';

/**
 * The `authorization_parameters` of a GARE, normalised (comma strings → lists).
 *
 * @see https://docs.globus.org/guides/overviews/gares/
 */
export interface IAuthorizationParameters {
  session_message?: string;
  session_required_identities?: string[];
  session_required_policies?: string[];
  session_required_single_domain?: string[];
  session_required_mfa?: boolean;
  required_scopes?: string[];
  prompt?: string;
}

/** What a `ConsentRequiredError` carries. */
export interface IConsentRequiredErrorInit {
  /** Scopes the user must consent to (may be empty for a pure session requirement). */
  requiredScopes: string[];
  /** The normalised authorization parameters. */
  authorizationParameters: IAuthorizationParameters;
  /** A Globus authorize URL that asks for exactly what is missing. */
  consentUrl?: string;
  /** The GARE `code` (`ConsentRequired`, `AuthorizationRequired`, `AuthPolicyFailed`, …). */
  globusCode?: string;
  status?: number;
  requestId?: string;
  service?: GlobusServiceName;
  operation?: string;
  resource?: string;
  cause?: unknown;
}

/**
 * The call needs consent to more scopes (or a new login session): carries the scopes,
 * the authorization parameters, and a ready consent URL.
 */
export class ConsentRequiredError extends GlobusKitError {
  /** The title a notebook shows above the message (display/error-html.ts). */
  override get displayTitle(): string {
    return 'Consent needed';
  }

  /** The consent link, shown as a working link (an http(s) URL only). */
  override get displayLink(): IErrorLink | undefined {
    return this.consentUrl ? { label: 'Grant consent in Globus', url: this.consentUrl } : undefined;
  }

  /** Scopes to consent to. */
  readonly requiredScopes: readonly string[];
  /** The GARE authorization parameters. */
  readonly authorizationParameters: IAuthorizationParameters;
  /** Globus authorize URL asking for what is missing. */
  readonly consentUrl: string | undefined;
  /** The service's error code. */
  readonly globusCode: string | undefined;
  /** HTTP status, when it came from a response. */
  readonly status: number | undefined;
  /** The service's request id. */
  readonly requestId: string | undefined;
  /** Which service asked. */
  readonly service: GlobusServiceName | undefined;
  /** Which operation. */
  readonly operation: string | undefined;
  /** What it was applied to. */
  readonly resource: string | undefined;

  /**
   * @param init - scopes, parameters, consent URL and the request facts
   */
  constructor(init: IConsentRequiredErrorInit) {
    super(ConsentRequiredError.formatMessage(init), {
      code: 'CONSENT_REQUIRED',
      cause: init.cause
    });
    this.name = 'ConsentRequiredError';
    this.requiredScopes = [...init.requiredScopes];
    this.authorizationParameters = init.authorizationParameters;
    this.consentUrl = init.consentUrl;
    this.globusCode = init.globusCode;
    this.status = init.status;
    this.requestId = init.requestId;
    this.service = init.service;
    this.operation = init.operation;
    this.resource = init.resource;
  }

  /**
   * Build the message: what needed consent, which scopes, and where to grant them.
   *
   * @param init - the facts
   */
  static formatMessage(init: IConsentRequiredErrorInit): string {
    let msg = init.service
      ? `${SERVICE_LABELS[init.service]} ${init.operation ?? 'request'} needs more consent`
      : 'More consent is needed';
    if (init.status || init.globusCode) {
      msg += ` (${[init.status, init.globusCode].filter(Boolean).join(' ')})`;
    }
    if (init.resource) {
      msg += ` for ${init.resource}`;
    }
    if (init.requiredScopes.length > 0) {
      msg += `: missing scope ${init.requiredScopes.join(' ')}`;
    } else if (init.authorizationParameters.session_message) {
      msg += `: ${init.authorizationParameters.session_message}`;
    }
    msg += init.consentUrl
      ? `. Grant it at ${init.consentUrl} and log in again (on a hub: log out and back in so the hub requests it).`
      : '. Log in again granting it (on a hub: log out and back in so the hub requests it).';
    return msg;
  }
}

const NAMES = new Set(['ConsentRequiredError']);

/**
 * Whether `value` is a `ConsentRequiredError` (by `instanceof` or by `name`).
 *
 * @param value - anything caught
 */
export function isConsentRequiredError(value: unknown): value is ConsentRequiredError {
  return value instanceof ConsentRequiredError || hasErrorName(value, NAMES);
}
