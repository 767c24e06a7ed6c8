/**
 * The realm's one error type: an OAuth 2.0 error (RFC 6749 §5.2) that the routes turn into
 * `{error, error_description}` with its HTTP status.
 */

/** An OAuth error the routes turn into `{error, error_description}`. */
export class RealmError extends Error {
  constructor(
    /** RFC 6749 error code (`invalid_grant`, `invalid_client`, …). */
    readonly code: string,
    /** Human text; never contains a token. */
    readonly description: string,
    /** HTTP status: 400, or 401 for `invalid_client`. */
    readonly status = 400
  ) {
    super(`${code}: ${description}`);
    this.name = 'RealmError';
  }
}
