/**
 * How a failed step looks in a notebook: a short title, the error's message (which names
 * the remedy and never a token), a working link where there is one, and the stable code.
 * Never a stack trace.
 */
import {
  CANCELLED_MESSAGE,
  type GlobusKitError,
  isGlobusKitError,
  type IErrorLink
} from '../errors/globus-kit-error';
import { escapeHtml, HtmlBundle, linkHtml, textHtml } from './html';

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
  link?: IErrorLink;
}

function describe(err: unknown): IErrorView {
  if (isCancel(err)) {
    return { title: 'Cancelled', message: CANCELLED_MESSAGE };
  }
  if (!isGlobusKitError(err)) {
    if (err instanceof Error) {
      return { title: err.name || 'Error', message: cut(err.message) };
    }
    return { title: 'Error', message: cut(String(err)) };
  }
  // Each error class names its own title, message and link (errors/globus-kit-error.ts);
  // one from another copy of the library without them still shows its message and code.
  const view = err as Partial<
    Pick<GlobusKitError, 'displayTitle' | 'displayMessage' | 'displayLink'>
  >;
  return {
    title: typeof view.displayTitle === 'string' ? view.displayTitle : 'Error',
    message: typeof view.displayMessage === 'string' ? view.displayMessage : err.message,
    code: err.code,
    link: view.displayLink
  };
}

/** Our `AbortError` or the platform's (a `DOMException` from an aborted signal). */
function isCancel(err: unknown): boolean {
  return (
    typeof err === 'object' && err !== null && (err as { name?: unknown }).name === 'AbortError'
  );
}

function cut(text: string): string {
  return text.length > FOREIGN_MESSAGE_MAX ? `${text.slice(0, FOREIGN_MESSAGE_MAX)}…` : text;
}
