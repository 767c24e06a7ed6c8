/**
 * The kit's Transfer and Auth document types, checked against `@globus/sdk`'s published
 * types (6.2.0) when the package is built: every field the SDK types must fit the kit's
 * field of that name (absent and `null` aside), so the two cannot drift apart unnoticed.
 * Nothing imports this module; its declarations exist to be compiled. Why the public types
 * are not the SDK's own: see `transfer/types.ts`.
 *
 * Not checked, with the reason in 6.2.0:
 * - `TaskDocument.fatal_error` is typed `object | null`; the service sends `code` and
 *   `description`, which the kit types.
 * - mkdir, rename and cancel results: the SDK types the first two as a bare `Response` and
 *   cancel as a task document; `TransferResult`'s code is spelled `'Accpeted'`.
 */
import type { auth, transfer } from '@globus/sdk';
import type { IConsentDocument } from './auth/types';
import type {
  IEndpointDocument,
  IEventDocument,
  IFileDocument,
  IFileListDocument,
  ITaskDocument
} from './transfer/types';

/** The SDK's fields whose (non-null) type does not fit the kit's field; `never` when all fit. */
type Misfits<Sdk, Kit> = {
  [K in keyof Sdk & keyof Kit]-?: [NonNullable<Sdk[K]>] extends [NonNullable<Kit[K]>] ? never : K;
}[keyof Sdk & keyof Kit];

/** Compiles only when `T` is `never` (the error names the misfit fields). */
type NoMisfits<T extends never> = T;

/** The checks; a type error here means the kit's type and the SDK's disagree. */
export type SdkConformance = [
  NoMisfits<Misfits<transfer.endpoint.EndpointDocument, IEndpointDocument>>,
  NoMisfits<Misfits<transfer.fileOperations.FileDocument, IFileDocument>>,
  NoMisfits<Misfits<Omit<transfer.fileOperations.FileListDocument, 'DATA'>, IFileListDocument>>,
  NoMisfits<Misfits<Omit<transfer.task.TaskDocument, 'fatal_error'>, ITaskDocument>>,
  NoMisfits<Misfits<transfer.task.EventDocument, IEventDocument>>,
  NoMisfits<Misfits<auth.identities.consents.Consent, IConsentDocument>>
];
