/**
 * The Globus Transfer client of a session.
 */
import { ICallOptions, IServiceContext } from '../service-context';
import { CollectionNames } from './collection-names';
import { getCollection, ICollectionSearchOptions, searchCollections } from './collections';
import {
  IMkdirOptions,
  ILsOptions,
  iterateDirectory,
  listDirectory,
  makeDirectory,
  renamePath
} from './file-operations';
import {
  getSubmissionId,
  IDeleteSpec,
  ITransferSpec,
  submitDelete,
  submitTransfer
} from './task-submission';
import {
  cancelTask,
  getAllTasks,
  getTask,
  getTaskEvents,
  ITaskEventsOptions,
  ITaskListOptions,
  IWaitForTaskOptions,
  TaskRef,
  waitForTask
} from './tasks';
import { ITransferScope } from './transfer-scope';
import {
  CollectionRef,
  IEndpointDocument,
  IEventDocument,
  IFileDocument,
  IResultDocument,
  ISubmissionResult,
  ITaskDocument
} from './types';

/** Options of `files.remove`. */
export interface IRemoveOptions extends ICallOptions {
  /** Delete directories with their contents. */
  recursive?: boolean;
  /** Do not fail on missing paths. */
  ignoreMissing?: boolean;
  /** Task label. */
  label?: string;
  /** Wait for the delete task to finish (default true). */
  wait?: boolean;
}

/**
 * Globus Transfer: collections, file operations, task submission and tasks.
 */
export class TransferClient {
  readonly #scope: ITransferScope;

  /**
   * @param ctx - the session's service context
   */
  constructor(ctx: IServiceContext) {
    this.#scope = { ctx, names: new CollectionNames() };
  }

  /**
   * `collection 'Name' path /p/` for messages (uses names this client has seen).
   *
   * @param collection - id or document
   * @param path - optional path
   */
  describe(collection: CollectionRef, path?: string): string {
    return this.#scope.names.describe(collection, path);
  }

  /** Collections (endpoints). */
  readonly collections = {
    /**
     * Search collections by words and filter scope.
     *
     * @param options - fulltext, scope, entity type, limit
     * @see https://docs.globus.org/api/transfer/endpoint_search/#endpoint_search
     */
    search: (options?: ICollectionSearchOptions): Promise<IEndpointDocument[]> =>
      searchCollections(this.#scope, options),
    /**
     * Get a collection document (incl. `https_server`, `entity_type`, `high_assurance`).
     *
     * @param collection - id or document
     * @param options - signal, timeout, retry
     * @see https://docs.globus.org/api/transfer/endpoints_and_collections/#get_endpoint_or_collection_by_id
     */
    get: (collection: CollectionRef, options?: ICallOptions): Promise<IEndpointDocument> =>
      getCollection(this.#scope, collection, options)
  };

  /** File operations. */
  readonly files = {
    /**
     * List a directory (all pages).
     *
     * @param collection - id or document
     * @param path - absolute directory path
     * @param options - hidden, filter, order, page size, signal
     * @see https://docs.globus.org/api/transfer/file_operations/#list_directory_contents
     */
    ls: (collection: CollectionRef, path: string, options?: ILsOptions): Promise<IFileDocument[]> =>
      listDirectory(this.#scope, collection, path, options),
    /**
     * Iterate a directory's entries page by page.
     *
     * @param collection - id or document
     * @param path - absolute directory path
     * @param options - hidden, filter, order, page size, signal
     * @see https://docs.globus.org/api/transfer/file_operations/#list_directory_contents
     */
    iterate: (
      collection: CollectionRef,
      path: string,
      options?: ILsOptions
    ): AsyncGenerator<IFileDocument, void, undefined> =>
      iterateDirectory(this.#scope, collection, path, options),
    /**
     * Make a directory (`{ parents: true }` for `mkdir -p`).
     *
     * @param collection - id or document
     * @param path - absolute directory path
     * @param options - `parents`, signal
     * @see https://docs.globus.org/api/transfer/file_operations/#make_directory
     */
    mkdir: (
      collection: CollectionRef,
      path: string,
      options?: IMkdirOptions
    ): Promise<IResultDocument> => makeDirectory(this.#scope, collection, path, options),
    /**
     * Rename a file or directory.
     *
     * @param collection - id or document
     * @param oldPath - current path
     * @param newPath - new path
     * @param options - signal, timeout, retry
     * @see https://docs.globus.org/api/transfer/file_operations/#rename
     */
    rename: (
      collection: CollectionRef,
      oldPath: string,
      newPath: string,
      options?: ICallOptions
    ): Promise<IResultDocument> => renamePath(this.#scope, collection, oldPath, newPath, options),
    /**
     * Delete paths with a delete task (and, by default, wait for it).
     *
     * @param collection - id or document
     * @param paths - absolute paths
     * @param options - recursive, ignoreMissing, label, wait, signal
     * @returns the final task document (or the submitted one when `wait: false`)
     * @see https://docs.globus.org/api/transfer/task_submit/#submit_delete_task
     */
    remove: async (
      collection: CollectionRef,
      paths: string | readonly string[],
      options: IRemoveOptions = {}
    ): Promise<ITaskDocument | ISubmissionResult> => {
      const result = await submitDelete(this.#scope, {
        collection,
        paths: typeof paths === 'string' ? [paths] : paths,
        recursive: options.recursive,
        ignoreMissing: options.ignoreMissing,
        label: options.label,
        signal: options.signal,
        timeoutMs: options.timeoutMs,
        retry: options.retry
      });
      if (options.wait === false) {
        return result;
      }
      return waitForTask(this.#scope, result, { signal: options.signal, intervalMs: 250 });
    }
  };

  /** Task submission and task management. */
  readonly tasks = {
    /**
     * Get a fresh submission id.
     *
     * @param options - signal, timeout, retry
     * @see https://docs.globus.org/api/transfer/task_submit/#get_submission_id
     */
    submissionId: (options?: ICallOptions): Promise<string> =>
      getSubmissionId(this.#scope, options),
    /**
     * Submit a transfer (idempotent: carries a submission id).
     *
     * @param spec - source, destination, items, options
     * @see https://docs.globus.org/api/transfer/task_submit/#submit_transfer_task
     */
    submitTransfer: (spec: ITransferSpec): Promise<ISubmissionResult> =>
      submitTransfer(this.#scope, spec),
    /**
     * Submit a delete (idempotent: carries a submission id).
     *
     * @param spec - collection, paths, options
     * @see https://docs.globus.org/api/transfer/task_submit/#submit_delete_task
     */
    submitDelete: (spec: IDeleteSpec): Promise<ISubmissionResult> =>
      submitDelete(this.#scope, spec),
    /**
     * Get a task.
     *
     * @param task - id or document
     * @param options - signal, timeout, retry
     * @see https://docs.globus.org/api/transfer/task/#get_task_by_id
     */
    get: (task: TaskRef, options?: ICallOptions): Promise<ITaskDocument> =>
      getTask(this.#scope, task, options),
    /**
     * List tasks.
     *
     * @param options - filter, order, limit
     * @see https://docs.globus.org/api/transfer/task/#get_task_list
     */
    getAll: (options?: ITaskListOptions): Promise<ITaskDocument[]> =>
      getAllTasks(this.#scope, options),
    /**
     * Cancel a task.
     *
     * @param task - id or document
     * @param options - signal, timeout, retry
     * @see https://docs.globus.org/api/transfer/task/#cancel_task_by_id
     */
    cancel: (task: TaskRef, options?: ICallOptions): Promise<IResultDocument> =>
      cancelTask(this.#scope, task, options),
    /**
     * List a task's events.
     *
     * @param task - id or document
     * @param options - errors only, limit
     * @see https://docs.globus.org/api/transfer/task/#get_event_list
     */
    events: (task: TaskRef, options?: ITaskEventsOptions): Promise<IEventDocument[]> =>
      getTaskEvents(this.#scope, task, options)
  };

  /**
   * Wait for a task to finish, with progress callbacks and bounded polling.
   *
   * @param task - id or document
   * @param options - onProgress, intervals, time limit, signal
   * @see https://docs.globus.org/api/transfer/task/#get_task_by_id
   */
  waitForTask(task: TaskRef, options?: IWaitForTaskOptions): Promise<ITaskDocument> {
    return waitForTask(this.#scope, task, options);
  }

  /** Redacted display. */
  toString(): string {
    return 'TransferClient';
  }
}
