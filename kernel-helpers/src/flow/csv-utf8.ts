/**
 * UTF-8 across chunk boundaries: each chunk is cut before a trailing incomplete sequence,
 * decoded fatally so invalid bytes are noticed (and then decoded again leniently), and its
 * UTF-16 length counted without decoding.
 */
/** UTF-16 length of the complete UTF-8 characters in `bytes` (valid UTF-8). */
export function utf16Length(bytes: Uint8Array): number {
  const end = completeLength(bytes);
  let n = 0;
  for (let i = 0; i < end; i++) {
    const b = bytes[i];
    if ((b & 0xc0) !== 0x80) {
      n += b >= 0xf0 ? 2 : 1;
    }
  }
  return n;
}

/** Decoded text of one chunk and whether it held invalid UTF-8. */
export interface IDecoded {
  text: string;
  invalid: boolean;
}

/**
 * UTF-8 decoding across chunk boundaries that notices invalid bytes.
 *
 * A streaming fatal `TextDecoder` loses its pending bytes when it throws, so instead each
 * chunk is cut before a trailing incomplete sequence (carried to the next chunk) and the
 * complete part is decoded fatally; only a chunk that fails is decoded again leniently.
 */
export class Utf8ChunkDecoder {
  decode(chunk: Uint8Array): IDecoded {
    let bytes = chunk;
    if (this._carry.length) {
      bytes = new Uint8Array(this._carry.length + chunk.length);
      bytes.set(this._carry, 0);
      bytes.set(chunk, this._carry.length);
    }
    const end = completeLength(bytes);
    this._carry = bytes.slice(end);
    return decodeComplete(bytes.subarray(0, end));
  }

  flush(): IDecoded {
    const rest = this._carry;
    this._carry = new Uint8Array(0);
    return rest.length ? decodeComplete(rest) : { text: '', invalid: false };
  }

  private _carry = new Uint8Array(0);
}

const FATAL = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
export const LENIENT = new TextDecoder('utf-8', { ignoreBOM: true });

export function decodeComplete(bytes: Uint8Array): IDecoded {
  try {
    return { text: FATAL.decode(bytes), invalid: false };
  } catch {
    return { text: LENIENT.decode(bytes), invalid: true };
  }
}

/** Length of `bytes` without a trailing, incomplete UTF-8 sequence (at most 3 bytes). */
export function completeLength(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let back = 1; back <= Math.min(3, n); back++) {
    const b = bytes[n - back];
    if ((b & 0xc0) === 0x80) {
      continue; // continuation byte: keep looking for the lead byte
    }
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > back ? n - back : n;
  }
  return n;
}
