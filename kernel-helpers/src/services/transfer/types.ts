/**
 * Globus Transfer documents, with the API's own field names (only the fields the kit
 * reads are typed; the rest pass through).
 *
 * Checked against `@globus/sdk`'s published types (6.2.0) at build time
 * (`../sdk-types.ts`): every field the SDK types fits the field here. They are not the
 * SDK's types themselves because a public type that names `@globus/sdk` makes tslab load
 * the SDK's whole declaration tree (83 files through its root `index.d.ts`; its subpath
 * exports do not resolve under tslab's `moduleResolution: node10`) when a cell first
 * imports the kit: measured +150 to +250 ms of CPU in the `connect()` cell.
 */

/**
 * An endpoint or collection.
 *
 * @see https://docs.globus.org/api/transfer/endpoints_and_collections/#endpoint_or_collection_document
 */
export interface IEndpointDocument {
  DATA_TYPE: 'endpoint';
  id: string;
  display_name: string | null;
  entity_type: string | null;
  https_server: string | null;
  high_assurance: boolean;
  non_functional?: boolean;
  owner_id?: string;
  owner_string?: string;
  organization?: string | null;
  description?: string | null;
  default_directory?: string | null;
  host_endpoint_id?: string | null;
  mapped_collection_id?: string | null;
  public?: boolean;
  gcs_version?: string | null;
  [key: string]: unknown;
}

/**
 * One entry of a directory listing (`type` tells file from dir).
 *
 * @see https://docs.globus.org/api/transfer/file_operations/#file_document
 */
export interface IFileDocument {
  DATA_TYPE: 'file';
  name: string;
  type: 'file' | 'dir' | 'invalid_symlink' | 'chr' | 'blk' | 'pipe' | 'other' | string;
  size: number;
  last_modified: string | null;
  permissions?: string | null;
  user?: string | null;
  group?: string | null;
  link_target?: string | null;
  [key: string]: unknown;
}

/**
 * A directory listing page.
 *
 * @see https://docs.globus.org/api/transfer/file_operations/#file_list_document
 */
export interface IFileListDocument {
  DATA_TYPE: 'file_list';
  DATA: IFileDocument[];
  path: string;
  endpoint?: string;
  absolute_path?: string | null;
  length?: number;
  total?: number;
  [key: string]: unknown;
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
 * A task.
 *
 * @see https://docs.globus.org/api/transfer/task/#task_document
 */
export interface ITaskDocument {
  DATA_TYPE?: 'task';
  task_id: string;
  type: 'TRANSFER' | 'DELETE' | string;
  status: 'ACTIVE' | 'INACTIVE' | 'SUCCEEDED' | 'FAILED' | string;
  label: string | null;
  nice_status?: string | null;
  fatal_error?: { code: string; description: string } | null;
  request_time?: string;
  completion_time?: string | null;
  source_endpoint_id?: string | null;
  destination_endpoint_id?: string | null;
  files?: number;
  directories?: number;
  files_transferred?: number;
  files_skipped?: number;
  bytes_transferred?: number;
  bytes_checksummed?: number;
  effective_bytes_per_second?: number;
  subtasks_total?: number;
  subtasks_pending?: number;
  subtasks_succeeded?: number;
  subtasks_failed?: number;
  subtasks_canceled?: number;
  faults?: number;
  [key: string]: unknown;
}

/**
 * A task event.
 *
 * @see https://docs.globus.org/api/transfer/task/#event_document
 */
export interface IEventDocument {
  DATA_TYPE: 'event';
  code: string;
  description: string;
  details: string;
  is_error: boolean;
  time: string;
  [key: string]: unknown;
}

/** A collection as the methods accept it: its id, or a document carrying one. */
export type CollectionRef =
  | string
  | {
      id: string;
      display_name?: string | null;
      https_server?: string | null;
      [key: string]: unknown;
    };
