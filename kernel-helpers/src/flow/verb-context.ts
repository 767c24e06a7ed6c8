/**
 * What the notebook verbs need from a session, and the plumbing every verb shares: one
 * progress display, the final state always shown, errors shown briefly and rethrown.
 *
 * The verbs take this structural view rather than `GlobusSession` itself, so the session
 * module can attach them as methods without an import cycle.
 */
import { inspect } from 'node:util';
import { errorHtml } from '../display/error-html';
import type { HtmlBundle } from '../display/html';
import { ProgressReporter } from '../display/progress';
import type { IDisplaySink } from '../display/sink';
import { isAbortError } from '../errors/network-error';
import { AbortError } from '../errors/network-error';
import type { INormalisedIdentity } from '../globus-data/types';
import type { AuthClient } from '../services/auth/auth-client';
import type { HttpsClient } from '../services/gcs/https-client';
import type { IServiceContext } from '../services/service-context';
import type { TransferClient } from '../services/transfer/transfer-client';
import type { IConsentStatusEntry } from '../tokens/consents';
import type { TokenSet } from '../tokens/token-set';

/** The parts of a session the verbs use (a `GlobusSession` has all of them). */
export interface IVerbContext {
  readonly display: IDisplaySink | undefined;
  readonly identity: INormalisedIdentity | undefined;
  readonly tokens: TokenSet;
  readonly auth: AuthClient;
  readonly transfer: TransferClient;
  readonly https: HttpsClient;
  readonly context: IServiceContext;
  readonly requiredScopes: readonly string[];
  consentStatus(requiredScopes?: readonly string[]): IConsentStatusEntry[];
}

/** Options every verb accepts. */
export interface IVerbOptions {
  /** Cancels the verb (for tslab: wire it to your own button or timer; an interrupt alone does not stop awaited work). */
  signal?: AbortSignal;
}

/**
 * Show a bundle as a new output; a display that throws (no running cell) is ignored,
 * because output must never break the operation.
 *
 * @param sink - the session's display, if any
 * @param bundle - what to show
 */
export function showHtml(sink: IDisplaySink | undefined, bundle: HtmlBundle): void {
  if (!sink) {
    return;
  }
  try {
    sink.display.html(bundle['text/html']);
  } catch {
    // no display available here
  }
}

/**
 * Show a JSON MIME type (e.g. vega-lite) as an object; falls back to HTML when the sink
 * has no `raw`.
 *
 * @param sink - the session's display, if any
 * @param mime - the MIME type
 * @param data - the JSON value (sent as an object, not a string)
 * @param fallback - HTML to show when `raw` is missing
 */
export function showJson(
  sink: IDisplaySink | undefined,
  mime: string,
  data: object,
  fallback: HtmlBundle
): void {
  if (!sink) {
    return;
  }
  try {
    if (sink.display.raw) {
      sink.display.raw(mime, data);
    } else {
      sink.display.html(fallback['text/html']);
    }
  } catch {
    // no display available here
  }
}

/** Throws an `AbortError` when `signal` is already aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) {
    throw new AbortError();
  }
}

/**
 * Give an error a short console form: tslab prints a failed cell's error with
 * `console.error` (i.e. `util.inspect`), which would otherwise show the stack of library
 * internals and the `cause` chain. The error object, its `stack` property and its fields
 * stay as they are for code that catches it.
 *
 * @param error - the error to shorten
 */
export function shortenForNotebook(error: unknown): void {
  if (typeof error !== 'object' || error === null || !Object.isExtensible(error)) {
    return;
  }
  const e = error as { name?: unknown; code?: unknown; message?: unknown };
  const name = typeof e.name === 'string' ? e.name : 'Error';
  const code = typeof e.code === 'string' ? ` [${e.code}]` : '';
  const message = typeof e.message === 'string' ? e.message : String(error);
  const text = `${name}${code}: ${message}`;
  try {
    Object.defineProperty(error, inspect.custom, {
      value: () => text,
      configurable: true,
      enumerable: false,
      writable: true
    });
  } catch {
    // a frozen foreign error keeps its default form
  }
}

/** What a verb body gets: the progress reporter of its one updatable display. */
export interface IVerbRun {
  /** The progress display (no output without a sink). */
  readonly progress: ProgressReporter;
}

/**
 * Run a verb: a progress display labelled `label`, the body, then the final state —
 * `done`, `cancelled` or `failed` — always shown; on failure the error is shown as a short
 * rich message (with the consent link or renewal advice it carries), shortened for the
 * notebook's console, and rethrown.
 *
 * @param ctx - the session view
 * @param label - what runs, e.g. `Downloading 1952.csv`
 * @param body - the work; it may call `progress.update()` and finish with a message
 */
export async function runVerb<T>(
  ctx: Pick<IVerbContext, 'display'>,
  label: string,
  body: (run: IVerbRun) => Promise<T>
): Promise<T> {
  const progress = new ProgressReporter(ctx.display, label);
  progress.update({}); // show "running" at once, before the first byte
  try {
    const result = await body({ progress });
    progress.finish('done');
    return result;
  } catch (error) {
    progress.finish(isAbortError(error) ? 'cancelled' : 'failed');
    showHtml(ctx.display, errorHtml(error));
    shortenForNotebook(error);
    throw error;
  }
}
