/**
 * Submitting Transfer tasks (transfer and delete), idempotently: every submission carries a
 * `submission_id`, so a retry after a lost response cannot create a second task (the
 * service answers `Duplicate` with the original task id). The calls go through
 * `@globus/sdk`'s `transfer.taskSubmission` (see `../sdk-call.ts`).
 */
import type { transfer } from '@globus/sdk';
import { BadInputError } from '../../errors/bad-input-error';
import { sdkCall, SdkModule, SdkOptions } from '../sdk-call';
import { callOptions, ICallOptions } from '../service-context';
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
  const res = await sdkCall<{ value?: string }>(
    scope.ctx,
    'transfer',
    {
      operation: 'get submission_id',
      token: transferToken(scope, 'get submission_id'),
      ...callOptions(options)
    },
    (sdk, o) => sdk.transfer.taskSubmission.submissionId({}, o)
  );
  const value = res.data?.value;
  if (typeof value !== 'string' || !value) {
    throw new BadInputError('Transfer returned no submission id', { code: 'MALFORMED_RESPONSE' });
  }
  return value;
}

async function submit(
  scope: ITransferScope,
  operation: 'submit transfer' | 'submit delete',
  send: (sdk: SdkModule, o: SdkOptions) => Promise<unknown>,
  options: ICallOptions,
  resource: string
): Promise<ISubmissionResult> {
  const res = await sdkCall<ISubmissionResult>(
    scope.ctx,
    'transfer',
    {
      operation,
      resource,
      token: transferToken(scope, operation),
      // Safe to repeat: the submission_id makes a second POST answer `Duplicate`.
      idempotent: true,
      ...callOptions(options)
    },
    send
  );
  return res.data;
}

/** `extra` fields, without a `DATA_TYPE` (the SDK sets it; `extra` never overrode it). */
function extraFields(
  extra: Readonly<Record<string, unknown>> | undefined
): Record<string, unknown> {
  const { DATA_TYPE: _ignored, ...rest } = extra ?? {};
  return rest;
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
    ...extraFields(spec.extra),
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
  // `extra` may carry any field of the API, so the document is wider than the SDK's type.
  const payload = document as Omit<transfer.taskSubmission.TransferFields, 'DATA_TYPE'>;
  return submit(
    scope,
    'submit transfer',
    (sdk, o) => sdk.transfer.taskSubmission.submitTransfer({ payload }, o),
    callOptions(spec),
    resource
  );
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
    ...extraFields(spec.extra),
    submission_id: submissionId,
    endpoint: collectionId(spec.collection),
    DATA: spec.paths.map(path => ({ DATA_TYPE: 'delete_item', path }))
  };
  if (spec.recursive !== undefined) document.recursive = spec.recursive;
  if (spec.ignoreMissing !== undefined) document.ignore_missing = spec.ignoreMissing;
  if (spec.label !== undefined) document.label = spec.label;
  const payload = document as Omit<transfer.taskSubmission.DeleteFields, 'DATA_TYPE'>;
  return submit(
    scope,
    'submit delete',
    (sdk, o) => sdk.transfer.taskSubmission.submitDelete({ payload }, o),
    callOptions(spec),
    scope.names.describe(spec.collection, spec.paths.join(', '))
  );
}
