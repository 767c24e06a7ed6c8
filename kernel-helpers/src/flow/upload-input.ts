/**
 * What the two upload verbs (to a collection over HTTPS, to an S3 workspace) do alike with
 * what they are given: the content type from the name, the bytes of a chart, a string or a
 * Uint8Array, and the checks of a local file (`{ file }` or a `file:` URL), which is sized
 * here and read by the verb.
 */
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { BadInputError } from '../errors/bad-input-error';
import { Chart } from './plot';

/** Content types by file extension; anything else is `application/octet-stream`. */
export const CONTENT_TYPES: Readonly<Record<string, string>> = {
  png: 'image/png',
  svg: 'image/svg+xml',
  csv: 'text/csv',
  txt: 'text/plain; charset=utf-8',
  json: 'application/json',
  html: 'text/html; charset=utf-8',
  pdf: 'application/pdf'
};

/** The file extension of a name, lower case (`''` for none). */
function extensionOf(name: string): string {
  return name.includes('.') ? name.slice(name.lastIndexOf('.') + 1).toLowerCase() : '';
}

/**
 * The content type of an upload to `name`: the one given, else the extension's, else
 * `application/octet-stream`.
 */
export function contentTypeFor(name: string, given?: string): string {
  return given ?? CONTENT_TYPES[extensionOf(name)] ?? 'application/octet-stream';
}

/** An upload's body as the verbs prepare it. */
export type PreparedUpload =
  | { kind: 'bytes'; bytes: Uint8Array; sha256: string; contentType: string }
  | { kind: 'file'; file: string; size: number; contentType: string };

/** Options both verbs take for the body. */
export interface IUploadInputOptions {
  /** Content-Type (default: from the name's extension). */
  contentType?: string;
  /** PNG pixel density for a chart (default 1). */
  scale?: number;
}

/**
 * Prepare an upload of `data` to a file called `name`: a chart is rendered (SVG when the
 * name ends in `.svg`, else PNG), a string is UTF-8 (`text/plain` when the extension says
 * nothing), bytes are hashed; a local file is checked and sized. Anything else is
 * `undefined`, for the verb to handle or refuse.
 *
 * @param data - what the user gave
 * @param name - the file name or key the upload goes to
 * @param options - content type, chart scale
 * @param say - shows what is being done (rendering a chart)
 * @throws BadInputError BAD_FILE for a missing or unreadable file, or a URL that is not `file:`
 */
export async function prepareUpload(
  data: unknown,
  name: string,
  options: IUploadInputOptions,
  say: (message: string) => void
): Promise<PreparedUpload | undefined> {
  const ext = extensionOf(name);
  const contentType = contentTypeFor(name, options.contentType);
  const bytes = (b: Uint8Array, type = contentType): PreparedUpload => ({
    kind: 'bytes',
    bytes: b,
    sha256: createHash('sha256').update(b).digest('hex'),
    contentType: type
  });
  if (data instanceof Chart) {
    const svg = ext === 'svg';
    say(svg ? 'rendering SVG' : 'rendering PNG');
    const rendered = svg
      ? new Uint8Array(Buffer.from(await data.toSvg(), 'utf8'))
      : await data.toPng({ scale: options.scale });
    return bytes(rendered, options.contentType ?? CONTENT_TYPES[svg ? 'svg' : 'png']);
  }
  if (typeof data === 'string') {
    const type = options.contentType ?? CONTENT_TYPES[ext] ?? CONTENT_TYPES.txt;
    return bytes(new Uint8Array(Buffer.from(data, 'utf8')), type);
  }
  if (data instanceof Uint8Array) {
    return bytes(data);
  }
  const file =
    data instanceof URL
      ? localPath(data)
      : typeof data === 'object' &&
          data !== null &&
          'file' in data &&
          typeof (data as { file: unknown }).file === 'string'
        ? (data as { file: string }).file
        : undefined;
  if (file === undefined) {
    return undefined;
  }
  const st = await stat(file).catch(() => undefined);
  if (!st?.isFile()) {
    throw new BadInputError(`upload: ${file} is not a readable file`, { code: 'BAD_FILE' });
  }
  return { kind: 'file', file, size: st.size, contentType };
}

function localPath(url: URL): string {
  if (url.protocol !== 'file:') {
    throw new BadInputError(`upload takes a file: URL for a local file (got ${url.protocol})`, {
      code: 'BAD_FILE'
    });
  }
  return fileURLToPath(url);
}
