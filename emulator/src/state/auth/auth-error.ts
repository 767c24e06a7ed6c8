/**
 * The one error the Auth state throws. Its `code` is an OAuth 2.0 error code
 * (`invalid_grant`, `invalid_scope`, …); the routes turn it into the documented body. The
 * description never contains a token, code or secret.
 */
export class AuthStateError extends Error {
  /**
   * @param code - the OAuth 2.0 `error` value
   * @param description - a human sentence for `error_description`
   * @param status - the HTTP status the token endpoint answers with
   */
  constructor(
    readonly code:
      | 'invalid_request'
      | 'invalid_client'
      | 'invalid_grant'
      | 'invalid_scope'
      | 'unauthorized_client'
      | 'unsupported_grant_type'
      | 'unsupported_response_type'
      | 'access_denied',
    readonly description: string,
    readonly status = 400
  ) {
    super(description);
    this.name = 'AuthStateError';
  }
}
