/**
 * Shared by the flow-*.test.ts files: a recording display sink (the notebook boundary, as
 * tslab would receive it) and the emulator loader.
 */
import type { IDisplay, IDisplaySink } from '../display/sink';

/** The emulator package, loaded from its build (ESM) by the compiled CommonJS tests. */
export type EmulatorModule = typeof import('../../../emulator/dist/index.js');
/** A running emulator. */
export type Emulator = Awaited<ReturnType<EmulatorModule['createEmulator']>>;

/** Load the emulator build. */
export function loadEmulator(): Promise<EmulatorModule> {
  return import('../../../emulator/dist/index.js');
}

/** Fast retries so fault tests stay quick. */
export const FAST_RETRY = { baseDelayMs: 10, maxDelayMs: 50, maxTotalMs: 10000 };

/** One output as a front end would hold it: its latest content, and how many times it was set. */
export interface IRecordedOutput {
  /** `display` for the always-new display, `updatable` for one from `newDisplay()`. */
  kind: 'display' | 'updatable';
  mime: string;
  data: unknown;
  /** How many times an updatable display was rendered. */
  renders: number;
}

/** A display sink that records what a tslab kernel would send. */
export class RecordingSink implements IDisplaySink {
  readonly outputs: IRecordedOutput[] = [];
  readonly display: IDisplay;

  constructor() {
    this.display = {
      html: (h: string) => this._push('display', 'text/html', h),
      text: (t: string) => this._push('display', 'text/plain', t),
      raw: (mime: string, data: unknown) => this._push('display', mime, data)
    };
  }

  newDisplay(): IDisplay {
    let out: IRecordedOutput | undefined;
    const set = (mime: string, data: unknown): void => {
      if (!out) {
        out = { kind: 'updatable', mime, data, renders: 0 };
        this.outputs.push(out);
      }
      out.mime = mime;
      out.data = data;
      out.renders++;
    };
    return {
      html: (h: string) => set('text/html', h),
      text: (t: string) => set('text/plain', t),
      raw: (mime: string, data: unknown) => set(mime, data)
    };
  }

  /** The progress displays (updatable outputs). */
  get progress(): IRecordedOutput[] {
    return this.outputs.filter(o => o.kind === 'updatable');
  }

  /** All HTML of the always-new outputs, joined. */
  get html(): string {
    return this.outputs
      .filter(o => o.kind === 'display' && o.mime === 'text/html')
      .map(o => String(o.data))
      .join('\n');
  }

  private _push(kind: 'display', mime: string, data: unknown): void {
    this.outputs.push({ kind, mime, data, renders: 1 });
  }
}
