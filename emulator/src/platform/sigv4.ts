/**
 * AWS Signature Version 4 checking for the emulated S3 (s3rver 3.7 accepts any v4 signature
 * from a known key without computing it), for the `Authorization` header and for presigned
 * query strings; the fields of SigV2 requests (whose signatures s3rver does check); plus a decoder for `aws-chunked` request bodies (which the AWS SDK v3 sends
 * for streamed uploads and s3rver would otherwise store verbatim).
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-authenticating-requests.html
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import { S3AuthError } from './s3-auth-error.js';

export { S3AuthError };

/** The parts of a request the signature covers. */
export interface ISignedRequest {
  method: string;
  /** The request target as received (`/bucket/key?query`), not decoded. */
  url: string;
  headers: IncomingHttpHeaders;
}

/** A parsed SigV4 authorization (header or presigned query). */
export interface ISigV4Parts {
  accessKeyId: string;
  /** `YYYYMMDD/region/service/aws4_request`. */
  scope: string;
  /** `YYYYMMDDTHHMMSSZ`. */
  amzDate: string;
  signedHeaders: string[];
  signature: string;
  presigned: boolean;
  /** Presigned only: lifetime in seconds. */
  expiresSeconds?: number;
  /** `x-amz-security-token` (header or query), if sent. */
  sessionToken?: string;
  payloadHash: string;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
const MAX_SKEW_MS = 15 * 60_000;

/** RFC 3986 percent-encoding as SigV4 wants it (`encodeURIComponent` plus `!'()*`). */
function uriEscape(s: string): string {
  return encodeURIComponent(s).replace(
    /[!'()*]/g,
    c => `%${c.charCodeAt(0).toString(16).toUpperCase()}`
  );
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new S3AuthError(400, 'InvalidArgument', 'Malformed percent-encoding in the query');
  }
}

function splitUrl(url: string): { path: string; query: Array<[string, string]> } {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const query: Array<[string, string]> = [];
  if (q >= 0) {
    for (const part of url.slice(q + 1).split('&')) {
      if (!part) continue;
      const eq = part.indexOf('=');
      query.push(
        eq < 0 ? [decode(part), ''] : [decode(part.slice(0, eq)), decode(part.slice(eq + 1))]
      );
    }
  }
  return { path: path || '/', query };
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/** `20261123T211224Z` → epoch ms (NaN when malformed). */
function parseAmzDate(s: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (!m) return NaN;
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
}

function parseCredential(credential: string): { accessKeyId: string; scope: string } {
  const parts = credential.split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request' || !/^\d{8}$/.test(parts[1])) {
    throw new S3AuthError(400, 'AuthorizationHeaderMalformed', 'The Credential is malformed');
  }
  return { accessKeyId: parts[0], scope: parts.slice(1).join('/') };
}

/**
 * Reads the SigV4 fields of a request; undefined when the request carries no authorization
 * at all (anonymous).
 * @throws S3AuthError for a malformed or unsupported authorization
 */
export function parseSigV4(req: ISignedRequest): ISigV4Parts | undefined {
  const { query } = splitUrl(req.url);
  const q = new Map(query);
  const auth = header(req.headers, 'authorization');
  if (q.has('X-Amz-Algorithm') || q.has('X-Amz-Signature')) {
    if (auth) {
      throw new S3AuthError(400, 'InvalidArgument', 'Only one auth mechanism allowed');
    }
    if (q.get('X-Amz-Algorithm') !== ALGORITHM) {
      throw new S3AuthError(
        400,
        'AuthorizationQueryParametersError',
        'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"'
      );
    }
    const credential = q.get('X-Amz-Credential');
    const amzDate = q.get('X-Amz-Date');
    const signed = q.get('X-Amz-SignedHeaders');
    const signature = q.get('X-Amz-Signature');
    const expires = Number(q.get('X-Amz-Expires'));
    if (!credential || !amzDate || !signed || !signature || !Number.isInteger(expires)) {
      throw new S3AuthError(
        400,
        'AuthorizationQueryParametersError',
        'Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.'
      );
    }
    if (expires < 1 || expires > 604800) {
      throw new S3AuthError(
        400,
        'AuthorizationQueryParametersError',
        'X-Amz-Expires must be between 1 and 604800 seconds'
      );
    }
    return {
      ...parseCredential(credential),
      amzDate,
      signedHeaders: signed.split(';'),
      signature,
      presigned: true,
      expiresSeconds: expires,
      sessionToken: q.get('X-Amz-Security-Token'),
      payloadHash: q.get('X-Amz-Content-Sha256') ?? 'UNSIGNED-PAYLOAD'
    };
  }
  if (!auth) {
    if (q.has('Signature') || q.has('AWSAccessKeyId')) {
      throw new S3AuthError(
        403,
        'AccessDenied',
        'Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters'
      );
    }
    return undefined;
  }
  const space = auth.indexOf(' ');
  const algorithm = space < 0 ? auth : auth.slice(0, space);
  if (algorithm !== ALGORITHM) {
    throw new S3AuthError(
      400,
      'InvalidRequest',
      'Only AWS4-HMAC-SHA256 authorization is supported'
    );
  }
  const fields = new Map<string, string>();
  for (const part of auth.slice(space + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credential = fields.get('Credential');
  const signed = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!credential || !signed || !signature) {
    throw new S3AuthError(
      400,
      'AuthorizationHeaderMalformed',
      'The authorization header requires three components: Credential, SignedHeaders, and Signature.'
    );
  }
  const amzDate = header(req.headers, 'x-amz-date');
  if (!amzDate) {
    throw new S3AuthError(
      403,
      'AccessDenied',
      'AWS authentication requires a valid x-amz-date header'
    );
  }
  const payloadHash = header(req.headers, 'x-amz-content-sha256');
  if (!payloadHash) {
    throw new S3AuthError(
      400,
      'InvalidRequest',
      'Missing required header for this request: x-amz-content-sha256'
    );
  }
  return {
    ...parseCredential(credential),
    amzDate,
    signedHeaders: signed.split(';'),
    signature,
    presigned: false,
    sessionToken: header(req.headers, 'x-amz-security-token'),
    payloadHash
  };
}

/** A SigV2 authorization (`Authorization: AWS <key>:<sig>` or a v2 presigned query). */
export interface ISigV2Parts {
  accessKeyId: string;
  /** `x-amz-security-token` (header or query), if sent. */
  sessionToken?: string;
  /** Presigned only: `Expires` in epoch ms. */
  expiresAtMs?: number;
}

/**
 * Reads a SigV2 authorization, which boto3 still uses for presigned URLs by default;
 * undefined when the request is not SigV2. Only the key, token and expiry are read here:
 * s3rver computes and checks v2 signatures itself.
 */
export function parseSigV2(req: ISignedRequest): ISigV2Parts | undefined {
  const { query } = splitUrl(req.url);
  const q = new Map(query);
  const auth = header(req.headers, 'authorization');
  const token = (): string | undefined => {
    for (const [k, v] of query) if (k.toLowerCase() === 'x-amz-security-token') return v;
    return header(req.headers, 'x-amz-security-token');
  };
  if (!auth && q.has('Signature') && q.has('AWSAccessKeyId') && q.has('Expires')) {
    const expires = Number(q.get('Expires'));
    if (!Number.isFinite(expires)) {
      throw new S3AuthError(403, 'AccessDenied', 'Invalid date (should be seconds since epoch)');
    }
    return {
      accessKeyId: q.get('AWSAccessKeyId') ?? '',
      sessionToken: token(),
      expiresAtMs: expires * 1000
    };
  }
  const m = /^AWS ([^:\s]+):\S+$/.exec(auth ?? '');
  if (m && !q.has('X-Amz-Algorithm')) return { accessKeyId: m[1], sessionToken: token() };
  return undefined;
}

/** The canonical request of SigV4 for S3 (the path is used as sent: S3 does not double-encode). */
export function canonicalRequest(req: ISignedRequest, parts: ISigV4Parts): string {
  const { path, query } = splitUrl(req.url);
  const canonicalQuery = query
    .filter(([k]) => !(parts.presigned && k === 'X-Amz-Signature'))
    .map(([k, v]) => [uriEscape(k), uriEscape(v)] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const canonicalHeaders = parts.signedHeaders
    .map(name => {
      const value = header(req.headers, name);
      if (value === undefined) {
        throw new S3AuthError(
          403,
          'SignatureDoesNotMatch',
          `Signed header ${name.slice(0, 40)} is missing`
        );
      }
      return `${name}:${value.trim().replace(/\s+/g, ' ')}\n`;
    })
    .join('');
  return [
    req.method,
    path,
    canonicalQuery,
    canonicalHeaders,
    parts.signedHeaders.join(';'),
    parts.payloadHash
  ].join('\n');
}

/** The signature a request should carry when signed with `secret`. */
export function computeSignature(req: ISignedRequest, parts: ISigV4Parts, secret: string): string {
  const [date, region, service] = parts.scope.split('/');
  const hmac = (key: string | Buffer, data: string): Buffer =>
    createHmac('sha256', key).update(data, 'utf8').digest();
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${secret}`, date), region), service), 'aws4_request');
  const stringToSign = [
    ALGORITHM,
    parts.amzDate,
    parts.scope,
    createHash('sha256').update(canonicalRequest(req, parts), 'utf8').digest('hex')
  ].join('\n');
  return createHmac('sha256', signingKey).update(stringToSign, 'utf8').digest('hex');
}

/**
 * Checks the signature and its time window (header: ±15 minutes of `nowMs`; presigned:
 * `presignedNowMs` not after `X-Amz-Date + X-Amz-Expires`).
 * @param presignedNowMs - the time presigned expiry is judged at (the emulator clock, so
 *   tests can move past it); default `nowMs`
 * @throws S3AuthError `SignatureDoesNotMatch`, `RequestTimeTooSkewed`, `AccessDenied`
 */
export function verifySigV4(
  req: ISignedRequest,
  parts: ISigV4Parts,
  secret: string,
  nowMs: number,
  presignedNowMs = nowMs
): void {
  const signedAt = parseAmzDate(parts.amzDate);
  if (Number.isNaN(signedAt)) {
    throw new S3AuthError(
      400,
      'AuthorizationQueryParametersError',
      'X-Amz-Date must be in the ISO8601 Long Format'
    );
  }
  if (parts.amzDate.slice(0, 8) !== parts.scope.slice(0, 8)) {
    throw new S3AuthError(
      403,
      'SignatureDoesNotMatch',
      'The credential date does not match X-Amz-Date'
    );
  }
  if (parts.presigned) {
    if (presignedNowMs > signedAt + (parts.expiresSeconds ?? 0) * 1000) {
      throw new S3AuthError(403, 'AccessDenied', 'Request has expired');
    }
  } else if (Math.abs(nowMs - signedAt) > MAX_SKEW_MS) {
    throw new S3AuthError(
      403,
      'RequestTimeTooSkewed',
      'The difference between the request time and the current time is too large.'
    );
  }
  const expected = Buffer.from(computeSignature(req, parts, secret));
  const given = Buffer.from(parts.signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    throw new S3AuthError(
      403,
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.'
    );
  }
}

/** Whether a request body is `aws-chunked` (streamed SigV4 or trailer checksums). */
export function isAwsChunked(headers: IncomingHttpHeaders): boolean {
  const encoding = header(headers, 'content-encoding') ?? '';
  const sha = header(headers, 'x-amz-content-sha256') ?? '';
  return /(^|,)\s*aws-chunked\s*(,|$)/.test(encoding) || sha.startsWith('STREAMING-');
}

/**
 * Decodes an `aws-chunked` body (`<hex size>[;chunk-signature=…]\r\n<data>\r\n` … `0\r\n`
 * then optional trailers) into the plain object bytes. Chunk signatures and trailer
 * checksums are not verified.
 */
export class AwsChunkedDecoder extends Transform {
  private buffer: Buffer = Buffer.alloc(0);
  private remaining = -1;
  private done = false;

  _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    try {
      this.drain();
      callback();
    } catch (e) {
      callback(e as Error);
    }
  }

  _flush(callback: TransformCallback): void {
    callback(
      this.done ? null : new S3AuthError(400, 'IncompleteBody', 'The aws-chunked body ended early')
    );
  }

  private drain(): void {
    while (!this.done) {
      if (this.remaining < 0) {
        const eol = this.buffer.indexOf('\r\n');
        if (eol < 0) {
          if (this.buffer.length > 4096)
            throw new S3AuthError(400, 'InvalidRequest', 'Bad aws-chunked header');
          return;
        }
        const size = parseInt(this.buffer.subarray(0, eol).toString('latin1').split(';')[0], 16);
        if (!Number.isInteger(size) || size < 0) {
          throw new S3AuthError(400, 'InvalidRequest', 'Bad aws-chunked chunk size');
        }
        this.buffer = this.buffer.subarray(eol + 2);
        if (size === 0) {
          this.done = true; // trailers (checksums) follow; ignored
          return;
        }
        this.remaining = size;
      }
      if (this.remaining > 0) {
        if (!this.buffer.length) return;
        const take = Math.min(this.remaining, this.buffer.length);
        this.push(this.buffer.subarray(0, take));
        this.buffer = this.buffer.subarray(take);
        this.remaining -= take;
      }
      if (this.remaining === 0) {
        if (this.buffer.length < 2) return;
        this.buffer = this.buffer.subarray(2);
        this.remaining = -1;
      }
    }
  }
}
