/**
 * The S3 gate's one error type: a refusal in S3's error vocabulary, rendered as
 * `<Error><Code>…</Code><Message>…</Message></Error>` with its HTTP status.
 */

/** A refusal in S3's error vocabulary (`<Error><Code>…`). */
export class S3AuthError extends Error {
  constructor(
    /** HTTP status. */
    readonly status: number,
    /** S3 error code (`SignatureDoesNotMatch`, `AccessDenied`, …). */
    readonly code: string,
    /** Human text; never contains a secret or a signature. */
    readonly description: string
  ) {
    super(`${code}: ${description}`);
    this.name = 'S3AuthError';
  }
}
