/**
 * Submitting Transfer tasks (transfer and delete), idempotently: every submission carries a
 * `submission_id`, so a retry after a lost response cannot create a second task (the
 * service answers `Duplicate` with the original task id).
 */
import { BadInputError } from '../../errors/bad-input-error';
import { callOptions, callService, ICallOptions } from '../service-context';
import { collectionId } from './collection-names';
import { ITransferScope, transferToken } from './transfer-scope';
import { CollectionRef, ISubmissionResult } from './types';
import { requireCollectionPath } from '../collection-path';

/** One item of a transfer. */
export interface ITransferItem {
  /** Source path (a file, or a directory with `recursive`). */
  source: string;
  /** Destination path (the full file path for a file). */
  destination: string;
  /** Copy a directory tree. */
  recursive?: boolean;
}

/** A transfer to submit. */
export interface ITransferSpec extends ICallOptions {
  /** Source collection. */
  source: CollectionRef;
  /** Destination collection. */
  destination: CollectionRef;
  /** What to copy. */
  items: readonly ITransferItem[];
  /** Task label. */
  label?: string;
  /** Skip files that already match: `exists`, `size`, `mtime` or `checksum`. */
  sync?: 'exists' | 'size' | 'mtime' | 'checksum';
  /** Verify checksums after copying. */
  verifyChecksum?: boolean;
  /** Preserve modification times. */
  preserveTimestamp?: boolean;
  /** Encrypt the data channel. */
  encryptData?: boolean;
  /** ISO deadline. */
  deadline?: string;
  /** Reuse a submission id (e.g. when re-trying a submission yourself). */
  submissionId?: string;
  /** Extra document fields, passed through as-is (API names). */
  extra?: Readonly<Record<string, unknown>>;
}

/** A delete to submit. */
export interface IDeleteSpec extends ICallOptions {
  /** The collection to delete from. */
  collection: CollectionRef;
  /** Absolute paths to delete. */
  paths: readonly string[];
  /** Delete directories with their contents. */
  recursive?: boolean;
  /** Do not fail on missing paths. */
  ignoreMissing?: boolean;
  /** Task label. */
  label?: string;
  /** Reuse a submission id. */
  submissionId?: string;
  /** Extra document fields (API names). */
  extra?: Readonly<Record<string, unknown>>;
}

const SYNC_LEVEL = { exists: 0, size: 1, mtime: 2, checksum: 3 } as const;

/**
 * Get a fresh submission id.
 *
 * @param scope - Transfer client state
 * @param options - signal, timeout, retry
 * @see https://docs.globus.org/api/transfer/task_submit/#get_submission_id
 */
export async function getSubmissionId(
  scope: ITransferScope,
  options: ICallOptions = {}
): Promise<string> {
  const res = await callService<{ value?: string }>(scope.ctx, 'transfer', {
    operation: 'get submission_id',
    path: '/submission_id',
    token: transferToken(scope, 'get submission_id'),
    ...callOptions(options)
  });
  const value = res.data?.value;
  if (typeof value !== 'string' || !value) {
    throw new BadInputError('Transfer returned no submission id', { code: 'MALFORMED_RESPONSE' });
  }
  return value;
}

async function submit(
  scope: ITransferScope,
  operation: 'submit transfer' | 'submit delete',
  path: '/transfer' | '/delete',
  document: Record<string, unknown>,
  options: ICallOptions,
  resource: string
): Promise<ISubmissionResult> {
  const res = await callService<ISubmissionResult>(scope.ctx, 'transfer', {
    operation,
    method: 'POST',
    path,
    json: document,
    resource,
    token: transferToken(scope, operation),
    // Safe to repeat: the submission_id makes a second POST answer `Duplicate`.
    idempotent: true,
    ...callOptions(options)
  });
  return res.data;
}

/**
 * Submit a transfer task.
 *
 * @param scope - Transfer client state
 * @param spec - source, destination, items and options
 * @returns the submission result (`task_id`, `code` `Accepted` or `Duplicate`)
 * @see https://docs.globus.org/api/transfer/task_submit/#submit_transfer_task
 */
export async function submitTransfer(
  scope: ITransferScope,
  spec: ITransferSpec
): Promise<ISubmissionResult> {
  if (!spec.items || spec.items.length === 0) {
    throw new BadInputError('A transfer needs at least one item', { code: 'BAD_TRANSFER' });
  }
  for (const item of spec.items) {
    requireCollectionPath(item?.source, 'A transfer source');
    requireCollectionPath(item?.destination, 'A transfer destination');
  }
  const submissionId = spec.submissionId ?? (await getSubmissionId(scope, spec));
  const document: Record<string, unknown> = {
    ...spec.extra,
    DATA_TYPE: 'transfer',
    submission_id: submissionId,
    source_endpoint: collectionId(spec.source),
    destination_endpoint: collectionId(spec.destination),
    DATA: spec.items.map(item => ({
      DATA_TYPE: 'transfer_item',
      source_path: item.source,
      destination_path: item.destination,
      ...(item.recursive ? { recursive: true } : {})
    }))
  };
  if (spec.label !== undefined) document.label = spec.label;
  if (spec.sync !== undefined) document.sync_level = SYNC_LEVEL[spec.sync];
  if (spec.verifyChecksum !== undefined) document.verify_checksum = spec.verifyChecksum;
  if (spec.preserveTimestamp !== undefined) document.preserve_timestamp = spec.preserveTimestamp;
  if (spec.encryptData !== undefined) document.encrypt_data = spec.encryptData;
  if (spec.deadline !== undefined) document.deadline = spec.deadline;
  const resource = `${scope.names.describe(spec.source)} to ${scope.names.describe(spec.destination)}`;
  return submit(scope, 'submit transfer', '/transfer', document, callOptions(spec), resource);
}

/**
 * Submit a delete task.
 *
 * @param scope - Transfer client state
 * @param spec - collection, paths and options
 * @returns the submission result (`task_id`)
 * @see https://docs.globus.org/api/transfer/task_submit/#submit_delete_task
 */
export async function submitDelete(
  scope: ITransferScope,
  spec: IDeleteSpec
): Promise<ISubmissionResult> {
  if (!spec.paths || spec.paths.length === 0) {
    throw new BadInputError('A delete needs at least one path', { code: 'BAD_DELETE' });
  }
  for (const p of spec.paths) requireCollectionPath(p, 'A delete path');
  const submissionId = spec.submissionId ?? (await getSubmissionId(scope, spec));
  const document: Record<string, unknown> = {
    ...spec.extra,
    DATA_TYPE: 'delete',
    submission_id: submissionId,
    endpoint: collectionId(spec.collection),
    DATA: spec.paths.map(path => ({ DATA_TYPE: 'delete_item', path }))
  };
  if (spec.recursive !== undefined) document.recursive = spec.recursive;
  if (spec.ignoreMissing !== undefined) document.ignore_missing = spec.ignoreMissing;
  if (spec.label !== undefined) document.label = spec.label;
  return submit(
    scope,
    'submit delete',
    '/delete',
    document,
    callOptions(spec),
    scope.names.describe(spec.collection, spec.paths.join(', '))
  );
}
