/**
 * Test fixture for the Transfer, GCS HTTPS and task tests: a real emulator from
 * `createEmulator`, real tokens minted by its Auth state, and a small HTTP client over
 * 127.0.0.1 that returns status, headers and the parsed body.
 */
import { createEmulator, type IEmulator, type IEmulatorOptions } from '../index.js';
import { DEMO_IDENTITY_ID, MAPPED_COLLECTION_ID, NATIVE_CLIENT_ID } from '../state/seed.js';

/** The Transfer scope. */
export const TRANSFER_SCOPE = 'urn:globus:auth:scope:transfer.api.globus.org:all';

/** A response as tests see it. */
export interface ITestResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON, or the text when not JSON. */
  body: Record<string, unknown> & { DATA?: Array<Record<string, unknown>> };
  text: string;
}

/** A running world and tokens of the demo user. */
export interface IWorld {
  emu: IEmulator;
  /** Transfer token without any data_access consent. */
  transfer: string;
  /** Transfer token with the mapped collection's data_access as a dependent scope. */
  transferConsented: string;
  /** Mints one access token (the first token for the scope's resource server). */
  token(scope: string, identityId?: string): Promise<string>;
  /** Calls Transfer (`path` after `/v0.10`). */
  api(
    method: string,
    path: string,
    options?: { token?: string | null; body?: unknown; query?: Record<string, string | string[]> }
  ): Promise<ITestResponse>;
  close(): Promise<void>;
}

/** Parses a fetch response into an `ITestResponse`. */
export async function readResponse(res: Response): Promise<ITestResponse> {
  const text = await res.text();
  let body: ITestResponse['body'] = {};
  try {
    body = text ? JSON.parse(text) : {};
  } catch {
    body = {};
  }
  return { status: res.status, headers: res.headers, body, text };
}

/**
 * Starts an emulator and mints tokens for the demo user.
 * @param options - passed to `createEmulator`
 */
export async function startWorld(options: IEmulatorOptions = {}): Promise<IWorld> {
  const emu = await createEmulator(options);
  const token = async (scope: string, identityId = DEMO_IDENTITY_ID): Promise<string> => {
    // recordConsent false: a consent in the forest would also satisfy tokens without it.
    const res = await emu.auth.issueTokens({
      clientId: NATIVE_CLIENT_ID,
      identityId,
      scope,
      recordConsent: false
    });
    return res.access_token;
  };
  const transfer = await token(TRANSFER_SCOPE);
  const transferConsented = await token(
    `${TRANSFER_SCOPE}[*https://auth.globus.org/scopes/${MAPPED_COLLECTION_ID}/data_access]`
  );
  const api: IWorld['api'] = async (method, path, options = {}) => {
    const url = new URL(`${emu.urls.transfer}/v0.10${path}`);
    for (const [k, v] of Object.entries(options.query ?? {})) {
      for (const one of Array.isArray(v) ? v : [v]) url.searchParams.append(k, one);
    }
    const headers: Record<string, string> = {};
    const tok = options.token === undefined ? transfer : options.token;
    if (tok) headers.Authorization = `Bearer ${tok}`;
    if (options.body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(url, {
      method,
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body)
    });
    return readResponse(res);
  };
  return { emu, transfer, transferConsented, token, api, close: () => emu.close() };
}

/**
 * Polls a task until it leaves ACTIVE (bounded: at most `timeoutMs`).
 * @returns the final task document
 */
export async function waitForTask(
  world: IWorld,
  taskId: string,
  token: string = world.transfer,
  timeoutMs = 10_000
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await world.api('GET', `/task/${taskId}`, { token });
    if (res.body.status !== 'ACTIVE') return res.body;
    if (Date.now() > deadline) throw new Error(`task ${taskId} still ACTIVE after ${timeoutMs} ms`);
    await new Promise(r => setTimeout(r, 20));
  }
}
