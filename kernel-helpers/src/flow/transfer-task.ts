/**
 * `globus.transfer({ from, to, items })`: submit a Globus transfer, then show its progress
 * live until it ends.
 */
import { formatBytes, joinHtml, keyValueHtml, linkHtml } from '../display/html';
import { BadInputError } from '../errors/bad-input-error';
import { AbortError, isAbortError } from '../errors/network-error';
import type { ITransferItem } from '../services/transfer/task-submission';
import type { ITaskDocument } from '../services/transfer/types';
import { collectionLabel, type CollectionInput, resolveCollection } from './resolve-collection';
import { type IVerbContext, type IVerbOptions, runVerb, showHtml } from './verb-context';

/** Options of `transfer()`. */
export interface ITransferVerbOptions extends IVerbOptions {
  /** Source collection, by id or display name. */
  from: CollectionInput;
  /** Destination collection, by id or display name. */
  to: CollectionInput;
  /** What to copy: `{ source, destination, recursive? }` with absolute paths. */
  items: readonly ITransferItem[];
  /** Task label (shown in the Globus web app's activity page). */
  label?: string;
  /** Skip files already at the destination: `exists`, `size`, `mtime` or `checksum`. */
  sync?: 'exists' | 'size' | 'mtime' | 'checksum';
  /** Verify checksums (default: Transfer's default). */
  verifyChecksum?: boolean;
  /** First poll interval in ms (default 500; grows to 5 s). */
  pollMs?: number;
  /** Stop waiting after this many ms (default 1 hour); the task keeps running. */
  waitTimeoutMs?: number;
}

/** The Globus web app's activity page of a task. */
export function taskUrl(taskId: string): string {
  return `https://app.globus.org/activity/${encodeURIComponent(taskId)}`;
}

/**
 * Submit and follow a transfer. Progress shows files, bytes, rate and status; the final
 * state is shown whatever happens. A task that ends FAILED is returned (its
 * `fatal_error` says why), not thrown. Cancelling with `signal` cancels the task in
 * Globus too, then rejects with an `AbortError`.
 *
 * @param ctx - the session
 * @param options - from, to, items, label, sync, signal
 * @returns the final task document
 */
export function transfer(ctx: IVerbContext, options: ITransferVerbOptions): Promise<ITaskDocument> {
  const items = options?.items;
  const label = options?.label ?? 'Transfer';
  return runVerb(ctx, `Globus transfer: ${label}`, async ({ progress }) => {
    if (!Array.isArray(items) || items.length === 0) {
      throw new BadInputError('transfer needs items: [{ source, destination }]', {
        code: 'BAD_ITEMS'
      });
    }
    const { signal } = options;
    const [src, dst] = await Promise.all([
      resolveCollection(ctx.transfer, options.from, { signal }),
      resolveCollection(ctx.transfer, options.to, { signal })
    ]);
    progress.update({ message: 'submitting' });
    const submitted = await ctx.transfer.tasks.submitTransfer({
      source: src,
      destination: dst,
      items,
      label: options.label,
      sync: options.sync,
      verifyChecksum: options.verifyChecksum,
      signal
    });
    const taskId = submitted.task_id;
    const show = (t: ITaskDocument): void => {
      progress.update({
        files: t.files_transferred ?? 0,
        totalFiles: t.files || undefined,
        bytes: t.bytes_transferred ?? 0,
        rate: t.effective_bytes_per_second || undefined,
        message: `${t.status}${t.nice_status && t.nice_status !== 'OK' ? ` (${t.nice_status})` : ''} · task ${taskId}`
      });
    };
    progress.update({ message: `submitted · task ${taskId}` });
    let final: ITaskDocument;
    try {
      final = await ctx.transfer.waitForTask(taskId, {
        signal,
        intervalMs: Math.max(100, options.pollMs ?? 500),
        maxIntervalMs: 5000,
        waitTimeoutMs: options.waitTimeoutMs,
        onProgress: show
      });
    } catch (error) {
      if (isAbortError(error)) {
        // The caller wants it stopped: stop the task itself, not only our waiting.
        await ctx.transfer.tasks.cancel(taskId, { timeoutMs: 10_000 }).catch(() => undefined);
        throw new AbortError(`Transfer task ${taskId} was cancelled`, { cause: error });
      }
      throw error;
    }
    show(final);
    showHtml(ctx.display, taskCard(final, collectionLabel(src), collectionLabel(dst)));
    if (final.status === 'FAILED') {
      progress.finish('failed', {
        message: `FAILED${final.fatal_error ? `: ${final.fatal_error.code}` : ''} · task ${taskId}`
      });
    }
    return final;
  });
}

/**
 * The card shown when a transfer ends.
 *
 * @param t - the final task document
 * @param from - source label
 * @param to - destination label
 */
export function taskCard(t: ITaskDocument, from: string, to: string) {
  return joinHtml(
    [
      keyValueHtml(
        [
          ['Task', linkHtml(t.task_id, taskUrl(t.task_id))],
          ['Label', t.label],
          ['Status', t.status],
          ['From', from],
          ['To', to],
          [
            'Files',
            `${t.files_transferred ?? 0} transferred, ${t.files_skipped ?? 0} skipped of ${t.files ?? 0}`
          ],
          ['Bytes', formatBytes(t.bytes_transferred ?? 0)],
          [
            'Rate',
            t.effective_bytes_per_second ? `${formatBytes(t.effective_bytes_per_second)}/s` : null
          ],
          ['Error', t.fatal_error ? `${t.fatal_error.code}: ${t.fatal_error.description}` : null],
          ['Completed', t.completion_time ?? null]
        ],
        { title: 'Globus transfer' }
      )
    ],
    { className: 'jp-GlobusKit-Task' }
  );
}
