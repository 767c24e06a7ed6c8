/**
 * How a failed step looks in a notebook: a short title, the error's message (which names
 * the remedy and never a token), a working link where there is one, and the stable code.
 * Never a stack trace.
 */
import { isGlobusApiError } from '../errors/api-error';
import { isBadInputError } from '../errors/bad-input-error';
import { isConsentRequiredError } from '../errors/consent-required-error';
import { isCsvError } from '../errors/csv-error';
import { isGlobusDataError } from '../errors/globus-data-error';
import { isGlobusKitError } from '../errors/globus-kit-error';
import { isAbortError, isNetworkError } from '../errors/network-error';
import { isTokenExpiredError } from '../errors/token-expired-error';
import { escapeHtml, HtmlBundle, linkHtml, textHtml } from './html';
import { isLoginError } from '../login/login-error';
import { isOidcError } from '../oidc/oidc-error';
import { isWorkspaceError } from '../workspaces/workspace-error';

/** Longest message shown for an error from outside the library (its text is not ours). */
const FOREIGN_MESSAGE_MAX = 500;

/**
 * An error as a short rich message. Library errors show their message, the remedy link
 * (a consent URL) and code; other errors show only their name and a cut message.
 *
 * @param err - anything caught
 */
export function errorHtml(err: unknown): HtmlBundle {
  const { title, message, code, link } = describe(err);
  const linkPart = link ? linkHtml(link.label, link.url) : undefined;
  const html =
    `<div class="jp-GlobusKit-Error" role="alert"><strong>${escapeHtml(title)}</strong>` +
    `<div>${textHtml(message)}</div>` +
    (linkPart ? `<div>${linkPart['text/html']}</div>` : '') +
    (code ? `<div class="jp-GlobusKit-ErrorCode"><code>${escapeHtml(code)}</code></div>` : '') +
    `</div>`;
  const text = [
    `${title}: ${message}`,
    ...(linkPart ? [linkPart['text/plain']] : []),
    ...(code ? [`(${code})`] : [])
  ];
  return new HtmlBundle(html, text.join('\n'));
}

interface IErrorView {
  title: string;
  message: string;
  code?: string;
  link?: { label: string; url: string };
}

function describe(err: unknown): IErrorView {
  if (isAbortError(err)) {
    return {
      title: 'Cancelled',
      message: 'The operation was cancelled; nothing partial was kept.'
    };
  }
  if (!isGlobusKitError(err)) {
    if (err instanceof Error) {
      return { title: err.name || 'Error', message: cut(err.message) };
    }
    return { title: 'Error', message: cut(String(err)) };
  }
  const base = { message: err.message, code: err.code };
  if (isConsentRequiredError(err)) {
    return {
      ...base,
      title: 'Consent needed',
      link: err.consentUrl ? { label: 'Grant consent in Globus', url: err.consentUrl } : undefined
    };
  }
  if (isTokenExpiredError(err)) {
    return { ...base, title: 'Login expired' };
  }
  if (isGlobusApiError(err)) {
    const facts = [err.requestId ? `request id ${err.requestId}` : ''].filter(Boolean);
    return {
      ...base,
      title: 'Globus request failed',
      message: facts.length ? `${err.message} (${facts.join(', ')})` : err.message
    };
  }
  if (isCsvError(err)) {
    return { ...base, title: 'Could not read the CSV' };
  }
  if (isNetworkError(err)) {
    return { ...base, title: 'Network problem' };
  }
  if (isGlobusDataError(err)) {
    return { ...base, title: 'Could not read the Globus login data' };
  }
  if (isBadInputError(err)) {
    return { ...base, title: 'Bad input' };
  }
  if (isLoginError(err)) {
    return { ...base, title: 'Globus login problem' };
  }
  if (isOidcError(err)) {
    return { ...base, title: 'Login with your identity provider failed' };
  }
  if (isWorkspaceError(err)) {
    return { ...base, title: 'Workspace storage problem' };
  }
  return { ...base, title: base.code === 'NO_CREDENTIALS' ? 'No Globus credentials' : 'Error' };
}

function cut(text: string): string {
  return text.length > FOREIGN_MESSAGE_MAX ? `${text.slice(0, FOREIGN_MESSAGE_MAX)}…` : text;
}
