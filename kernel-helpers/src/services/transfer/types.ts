/**
 * Globus Transfer documents: the types `@globus/sdk` publishes (6.2.0), under the names the
 * kit has always exported. Each adds an index signature, since the service sends fields
 * the SDK does not type and they pass through.
 *
 * Written here instead, with the SDK version that lacks them:
 * - `IResultDocument`: 6.2.0 types `mkdir` and `rename` as a bare `Response`, and `cancel`
 *   as a task document although the service answers a result (`code: 'Canceled'`).
 * - `ISubmissionResult`: 6.2.0's `TransferResult` and `DeleteResult` spell the result code
 *   `'Accpeted'`; ours is the service's `Accepted` and also covers both kinds.
 * - `ITaskDocument.fatal_error`: 6.2.0 types it as `object | null`.
 */
import type { transfer } from '@globus/sdk';

/** Fields the SDK does not type: they pass through as sent. */
interface IPassThrough {
  [key: string]: unknown;
}

/**
 * An endpoint or collection (`@globus/sdk` `EndpointDocument`).
 *
 * @see https://docs.globus.org/api/transfer/endpoints_and_collections/#endpoint_or_collection_document
 */
export interface IEndpointDocument extends transfer.endpoint.EndpointDocument, IPassThrough {}

/**
 * One entry of a directory listing (`@globus/sdk` `FileDocument`; `type` tells file from dir).
 *
 * @see https://docs.globus.org/api/transfer/file_operations/#file_document
 */
export interface IFileDocument extends transfer.fileOperations.FileDocument, IPassThrough {}

/**
 * A directory listing page (`@globus/sdk` `FileListDocument`).
 *
 * @see https://docs.globus.org/api/transfer/file_operations/#file_list_document
 */
export interface IFileListDocument
  extends Omit<transfer.fileOperations.FileListDocument, 'DATA'>, IPassThrough {
  readonly DATA: IFileDocument[];
}

/** A result of a file operation or cancel (`code`: `DirectoryCreated`, `FileRenamed`, `Canceled`). */
export interface IResultDocument {
  DATA_TYPE: string;
  code: string;
  message: string;
  request_id?: string;
  resource?: string;
  [key: string]: unknown;
}

/**
 * Result of submitting a transfer or delete.
 *
 * @see https://docs.globus.org/api/transfer/task_submit/#transfer_and_delete_result_document
 */
export interface ISubmissionResult extends IResultDocument {
  code: 'Accepted' | 'Duplicate' | string;
  task_id: string;
  submission_id: string;
}

/**
 * A task (`@globus/sdk` `TaskDocument`).
 *
 * @see https://docs.globus.org/api/transfer/task/#task_document
 */
export interface ITaskDocument extends transfer.task.TaskDocument, IPassThrough {
  /** 6.2.0 types it as `object | null`; the service sends a code and a description. */
  fatal_error: { code: string; description: string } | null;
}

/**
 * A task event (`@globus/sdk` `EventDocument`).
 *
 * @see https://docs.globus.org/api/transfer/task/#event_document
 */
export interface IEventDocument extends transfer.task.EventDocument, IPassThrough {}

/** A collection as the methods accept it: its id, or a document carrying one. */
export type CollectionRef =
  | string
  | {
      id: string;
      display_name?: string | null;
      https_server?: string | null;
      [key: string]: unknown;
    };
