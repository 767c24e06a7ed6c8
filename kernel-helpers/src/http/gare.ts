/**
 * Find Globus Auth Requirements (GARE) in an error document, in every shape the services
 * send: the canonical `authorization_parameters`, Transfer's legacy `ConsentRequired` with
 * top-level `required_scopes`, the singular `required_scope`, Auth's
 * `dependent_consent_required` with `unapproved_scopes`, and GAREs nested in `errors`.
 * Legacy comma strings become lists.
 *
 * @see https://docs.globus.org/guides/overviews/gares/
 */
import { IAuthorizationParameters } from '../errors/consent-required-error';

/** A found requirement. */
export interface IAuthorizationRequirement {
  /** `ConsentRequired`, `AuthorizationRequired`, `AuthPolicyFailed`, … */
  code: string;
  /** Normalised parameters. */
  authorizationParameters: IAuthorizationParameters;
}

type Doc = Record<string, unknown>;

function isDoc(v: unknown): v is Doc {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function toList(v: unknown): string[] | undefined {
  if (Array.isArray(v)) {
    return v.filter((x): x is string => typeof x === 'string');
  }
  if (typeof v === 'string') {
    return v
      .split(',')
      .map(s => s.trim())
      .filter(Boolean);
  }
  return undefined;
}

function normaliseParameters(raw: Doc): IAuthorizationParameters {
  const out: IAuthorizationParameters = {};
  if (typeof raw.session_message === 'string') {
    out.session_message = raw.session_message;
  }
  for (const key of [
    'session_required_identities',
    'session_required_policies',
    'session_required_single_domain',
    'required_scopes'
  ] as const) {
    const list = toList(raw[key]);
    if (list !== undefined) {
      out[key] = list;
    }
  }
  if (typeof raw.session_required_mfa === 'boolean') {
    out.session_required_mfa = raw.session_required_mfa;
  } else if (raw.session_required_mfa === 'true' || raw.session_required_mfa === 'false') {
    out.session_required_mfa = raw.session_required_mfa === 'true';
  }
  if (typeof raw.prompt === 'string') {
    out.prompt = raw.prompt;
  }
  return out;
}

function fromOne(doc: Doc): IAuthorizationRequirement | undefined {
  const code = typeof doc.code === 'string' ? doc.code : undefined;
  if (isDoc(doc.authorization_parameters)) {
    const params = normaliseParameters(doc.authorization_parameters);
    if (!params.required_scopes) {
      const legacy = toList(doc.required_scopes);
      if (legacy && legacy.length > 0) {
        params.required_scopes = legacy;
      }
    }
    return { code: code ?? 'AuthorizationRequired', authorizationParameters: params };
  }
  if (code === 'ConsentRequired') {
    const scopes =
      toList(doc.required_scopes) ??
      (typeof doc.required_scope === 'string' ? [doc.required_scope] : undefined);
    if (scopes && scopes.length > 0) {
      const params: IAuthorizationParameters = { required_scopes: scopes };
      const message = typeof doc.message === 'string' ? doc.message : doc.description;
      if (typeof message === 'string') {
        params.session_message = message;
      }
      return { code, authorizationParameters: params };
    }
  }
  const unapproved = toList(doc.unapproved_scopes);
  if (
    unapproved &&
    unapproved.length > 0 &&
    (code === 'DEPENDENT_CONSENT_REQUIRED' || doc.error === 'dependent_consent_required')
  ) {
    return { code: 'ConsentRequired', authorizationParameters: { required_scopes: unapproved } };
  }
  return undefined;
}

/**
 * The first authorization requirement in an error body, or `undefined`.
 *
 * @param body - the parsed JSON error document
 */
export function findAuthorizationRequirement(body: unknown): IAuthorizationRequirement | undefined {
  if (!isDoc(body)) {
    return undefined;
  }
  const top = fromOne(body);
  if (top) {
    return top;
  }
  if (Array.isArray(body.errors)) {
    for (const sub of body.errors) {
      if (isDoc(sub)) {
        const found = fromOne({
          ...sub,
          error: sub.error ?? body.error
        });
        if (found) {
          return found;
        }
      }
    }
  }
  return undefined;
}
