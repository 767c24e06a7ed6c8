/**
 * A CSV body the parser cannot turn into a table: no header, binary or compressed data,
 * an encoding it does not read, a record that never ends, or too many malformed rows.
 *
 * Recoverable problems (ragged rows, a stray quote, a few invalid UTF-8 bytes) are not
 * errors: they become warnings on the `Table`. This error is for when parsing cannot go on.
 */
import { GlobusKitError, hasErrorName } from './globus-kit-error';

/** Why a CSV body was rejected; the `message` says the same in words with the remedy. */
export type CsvErrorReason =
  'no-header' | 'binary' | 'encoding' | 'record-too-long' | 'too-many-errors' | 'bad-option';

/** Options for {@link CsvError}. */
export interface ICsvErrorOptions {
  /** Why parsing stopped. */
  reason: CsvErrorReason;
  /** 1-based record number in the file (header = 1) where the problem was found, if known. */
  row?: number;
  /** Byte offset in the body where the problem was found, if known. */
  byteOffset?: number;
  /** The underlying error, if any. */
  cause?: unknown;
}

/**
 * The CSV body cannot be parsed into a table; `code` is always `CSV_INVALID`, `reason`
 * says why.
 */
export class CsvError extends GlobusKitError {
  /** The title a notebook shows above the message (display/error-html.ts). */
  override get displayTitle(): string {
    return 'Could not read the CSV';
  }

  /** Why parsing stopped. */
  readonly reason: CsvErrorReason;
  /** 1-based record number in the file (header = 1), when known. */
  readonly row: number | undefined;
  /** Byte offset in the body, when known. */
  readonly byteOffset: number | undefined;

  /**
   * @param message - what is wrong with the body and what to do about it
   * @param options - `reason`, and where it happened
   */
  constructor(message: string, options: ICsvErrorOptions) {
    super(message, { code: 'CSV_INVALID', cause: options.cause });
    this.name = 'CsvError';
    this.reason = options.reason;
    this.row = options.row;
    this.byteOffset = options.byteOffset;
  }
}

const NAMES = new Set(['CsvError']);

/**
 * Whether `value` is a `CsvError` (by `instanceof` or by `name` and `code`).
 *
 * @param value - anything caught
 */
export function isCsvError(value: unknown): value is CsvError {
  return value instanceof CsvError || hasErrorName(value, NAMES);
}
