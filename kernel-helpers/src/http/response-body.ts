/**
 * Reading a successful response: its whole body within a size limit (with download
 * progress and a check against Content-Length), its body as a Node stream, or the head of
 * an error body; and parsing JSON into a typed `MALFORMED_RESPONSE` when it is not.
 */
import { Readable } from 'node:stream';
import { GlobusApiError } from '../errors/api-error';
import { NetworkError } from '../errors/network-error';
import type { IWireResponse } from './node-send';
import { IRequestOptions, label, redactUrl } from './request-options';
import type { FailureMapper } from './response-errors';

export async function readText(response: IWireResponse, limit: number): Promise<string> {
  if (!response.body) {
    return '';
  }
  const reader = response.body;
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done || !value) {
      break;
    }
    parts.push(value);
    size += value.byteLength;
    if (size >= limit) {
      await reader.cancel().catch(() => undefined);
      break;
    }
  }
  return Buffer.concat(parts).subarray(0, limit).toString('utf8');
}

export async function readAll(
  response: IWireResponse,
  options: IRequestOptions,
  limit: number
): Promise<Uint8Array> {
  const total = contentLength(response);
  const onProgress = options.onDownloadProgress;
  if (!response.body) {
    onProgress?.({ loaded: 0, total });
    return new Uint8Array(0);
  }
  const reader = response.body;
  const parts: Uint8Array[] = [];
  let loaded = 0;
  onProgress?.({ loaded, total });
  for (;;) {
    const { done, value } = await reader.read();
    if (done || !value) {
      break;
    }
    loaded += value.byteLength;
    if (loaded > limit) {
      await reader.cancel().catch(() => undefined);
      throw new GlobusApiError({
        code: 'RESPONSE_TOO_LARGE',
        status: response.status,
        service: options.service,
        operation: options.operation,
        resource: options.resource,
        serverMessage: `response larger than ${limit} bytes; stream it instead`
      });
    }
    parts.push(value);
    onProgress?.({ loaded, total });
  }
  if (total !== undefined && loaded !== total) {
    throw new NetworkError(
      `${label(options)} failed: the response body was cut short (${loaded} of ${total} bytes)`,
      { code: 'TRUNCATED_BODY' }
    );
  }
  return Buffer.concat(parts);
}

export function contentLength(response: IWireResponse): number | undefined {
  const raw = response.headers.get('content-length');
  if (raw === null || !/^\d+$/.test(raw)) {
    return undefined;
  }
  return Number(raw);
}

export function toNodeStream(
  response: IWireResponse,
  options: IRequestOptions,
  mapFailure: FailureMapper,
  cleanup: () => void
): Readable {
  const total = contentLength(response);
  const onProgress = options.onDownloadProgress;
  const body = response.body;
  async function* chunks(): AsyncGenerator<Uint8Array> {
    let loaded = 0;
    onProgress?.({ loaded, total });
    if (!body) {
      return;
    }
    const reader = body;
    try {
      for (;;) {
        let next: { done: boolean; value?: Uint8Array };
        try {
          next = await reader.read();
        } catch (error) {
          throw mapFailure(error, 'body');
        }
        if (next.done || !next.value) {
          break;
        }
        loaded += next.value.byteLength;
        onProgress?.({ loaded, total });
        yield next.value;
      }
      if (total !== undefined && loaded !== total) {
        throw new NetworkError(
          `${label(options)} failed: the response body was cut short (${loaded} of ${total} bytes)`,
          { code: 'TRUNCATED_BODY' }
        );
      }
    } finally {
      cleanup();
      await body.cancel().catch(() => undefined);
    }
  }
  return Readable.from(chunks(), { objectMode: false });
}

export function parseJsonBody(
  bytes: Uint8Array,
  options: IRequestOptions,
  method: string,
  url: URL,
  status: number
): unknown {
  if (bytes.byteLength === 0) {
    return undefined;
  }
  const text = Buffer.from(bytes).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new GlobusApiError({
      code: 'MALFORMED_RESPONSE',
      status,
      service: options.service,
      operation: options.operation,
      resource: options.resource,
      serverMessage: `the response is not valid JSON (${bytes.byteLength} bytes)`,
      method,
      url: redactUrl(url),
      cause
    });
  }
}
