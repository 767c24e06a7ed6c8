/**
 * GLOBUS_DATA decoding: text → pickle bytes → plain value → normalised auth state.
 */
import { decodeGlobusDataText } from './decode-text';
import { normaliseGlobusData } from './normalise';
import type { INormalisedGlobusData } from './types';
import { unpickle, type IUnpickleOptions } from './unpickle';

export { decodeGlobusDataText, type IDecodeTextOptions } from './decode-text';
export { HUB_GAVE_NO_TOKENS, normaliseGlobusData } from './normalise';
export { DEFAULT_MAX_INPUT_BYTES, unpickle, type IUnpickleOptions } from './unpickle';
export type {
  GlobusDataShape,
  INormalisedGlobusData,
  INormalisedIdentity,
  INormalisedToken,
  IPickleDict,
  PickleValue
} from './types';

/**
 * Decode a GLOBUS_DATA value safely into the normalised auth state.
 *
 * Accepts what JupyterHub's Globus OAuthenticator has ever written (any version, pickle
 * protocols 0–5, with or without a `b'…'` wrapper and base64 padding). Never runs code
 * from the pickle. The id_token's claims are decoded, not verified: verify `idToken`
 * before trusting `identity` when it came from there.
 *
 * @param text - the GLOBUS_DATA text
 * @param options - decoding limits (defaults suit GLOBUS_DATA)
 * @returns the normalised auth state (holds raw tokens: never print it)
 * @throws {@link GlobusDataError} naming the reason, and the opcode, offset or key path
 */
export function decodeGlobusData(
  text: string,
  options: IUnpickleOptions = {}
): INormalisedGlobusData {
  const bytes = decodeGlobusDataText(text, { maxInputBytes: options.maxInputBytes });
  return normaliseGlobusData(unpickle(bytes, options));
}
