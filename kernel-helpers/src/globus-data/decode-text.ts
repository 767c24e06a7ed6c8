/**
 * GLOBUS_DATA text → pickle bytes: the forgiving part of decoding.
 *
 * The hub writes `base64.b64encode(pickle.dumps(state)).decode()`, but OAuthenticator
 * 0.6.0–0.7.3 put the bytes object itself into the environment, which reaches the server
 * as its repr `b'…'`, and hand-made fixtures copy that form. Shells and YAML add
 * whitespace, and some tools drop the `=` padding or use the URL-safe alphabet. All of
 * that is accepted; any other character is a typed error that names its position only
 * (the text carries tokens).
 */
import { GlobusDataError } from '../errors/globus-data-error';
import { DEFAULT_MAX_INPUT_BYTES } from './unpickle';

/** Options for {@link decodeGlobusDataText}. */
export interface IDecodeTextOptions {
  /** Largest decoded size accepted, in bytes. Default 1 MiB. */
  maxInputBytes?: number;
}

/**
 * Turn GLOBUS_DATA text into the pickle bytes it encodes.
 *
 * Steps: trim; strip one `b'…'` or `b"…"` wrapper (and `\\n` escapes inside it); drop ASCII whitespace; check every
 * character is in the standard or URL-safe base64 alphabet and `=` padding (at most two,
 * only at the end) is consistent; decode.
 *
 * @param text - the value of GLOBUS_DATA
 * @param options - size limit
 * @returns the raw pickle
 * @throws {@link GlobusDataError} with reason `empty`, `bad-base64` or `too-large`
 */
export function decodeGlobusDataText(text: string, options: IDecodeTextOptions = {}): Uint8Array {
  const maxBytes = options.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES;
  let body = text.trim();
  const wrapped = /^b(['"])([\s\S]*)\1$/.exec(body);
  if (wrapped) {
    // The repr of `base64.encodebytes()` output shows its line breaks as `\n` escapes.
    body = wrapped[2].replace(/\\n/g, '');
  }
  body = body.replace(/[ \t\r\n\f\v]+/g, '');
  if (body.length === 0) {
    throw new GlobusDataError(
      'GLOBUS_DATA is empty. On a hub, enable auth state (enable_auth_state and ' +
        'JUPYTERHUB_CRYPT_KEY) and log in again.',
      { reason: 'empty' }
    );
  }
  // Reject before decoding anything: 4 base64 characters make 3 bytes.
  if (Math.floor((body.length * 3) / 4) > maxBytes + 2) {
    throw new GlobusDataError(
      `GLOBUS_DATA is larger than the ${maxBytes}-byte limit once decoded.`,
      { reason: 'too-large' }
    );
  }
  const firstPad = body.indexOf('=');
  const data = firstPad < 0 ? body : body.slice(0, firstPad);
  const padding = firstPad < 0 ? '' : body.slice(firstPad);
  const bad = /[^A-Za-z0-9+/_-]/.exec(data);
  if (bad) {
    throw new GlobusDataError(
      `GLOBUS_DATA is not base64: character ${bad.index + 1} is outside the base64 alphabet.`,
      { reason: 'bad-base64' }
    );
  }
  if (/[+/]/.test(data) && /[_-]/.test(data)) {
    throw new GlobusDataError(
      'GLOBUS_DATA is not base64: it mixes the standard and URL-safe alphabets.',
      { reason: 'bad-base64' }
    );
  }
  if (!/^={0,2}$/.test(padding) || (padding.length > 0 && body.length % 4 !== 0)) {
    throw new GlobusDataError('GLOBUS_DATA is not base64: its "=" padding is malformed.', {
      reason: 'bad-base64'
    });
  }
  if (data.length % 4 === 1) {
    throw new GlobusDataError('GLOBUS_DATA is not base64: its length is impossible.', {
      reason: 'bad-base64'
    });
  }
  const bytes = Buffer.from(
    data,
    data.includes('-') || data.includes('_') ? 'base64url' : 'base64'
  );
  if (bytes.length > maxBytes) {
    throw new GlobusDataError(
      `GLOBUS_DATA is ${bytes.length} bytes once decoded, more than the ${maxBytes}-byte limit.`,
      { reason: 'too-large' }
    );
  }
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
