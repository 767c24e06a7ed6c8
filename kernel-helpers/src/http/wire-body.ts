/**
 * The response body shape shared by the request layer (`request.ts`) and the off-thread
 * download (`off-thread.ts`). It lives apart so that neither imports the other for it.
 */

/** A response body, read chunk by chunk; `cancel` drops the rest. */
export interface IWireBody {
  read(): Promise<{ done: boolean; value?: Uint8Array }>;
  cancel(): Promise<void>;
}
