/**
 * A restricted unpickler: Python pickle protocols 0–5, plain JSON-typed data only.
 *
 * Why by hand: GLOBUS_DATA is `base64(pickle(auth_state))` made by the hub's CPython, and
 * no JavaScript library reads pickles to our contract. We measured the npm `pickleparser`
 * 0.2.1: it turns unknown classes into `{}` silently (an attacker's GLOBAL/REDUCE passes
 * as data), loses bytes and sets, and fails on big ints with protocol ≥ 2. Wrapping it
 * would mean re-parsing the opcode stream anyway to find what it hides, so this module
 * is the parser: one pass over the bytes, a value stack, a mark stack and a memo, as
 * CPython's `pickle._Unpickler` does, but with a closed list of opcodes.
 *
 * Guarantees (each a typed {@link GlobusDataError}, never another exception):
 * - Never runs code: every opcode that names a class or calls something (GLOBAL,
 *   STACK_GLOBAL, REDUCE, BUILD, INST, OBJ, NEWOBJ, NEWOBJ_EX, EXT1/2/4, PERSID,
 *   BINPERSID, NEXT_BUFFER, READONLY_BUFFER) is refused by name and byte offset before
 *   its operands are even read.
 * - Sets (EMPTY_SET, ADDITEMS, FROZENSET) are refused too: auth_state is stored as JSON
 *   by JupyterHub and so never holds a set (oauthenticator 16.0.0–16.0.5 tried, and
 *   crashed before pickling — PR #668). Refusing is clearer than inventing a mapping.
 *   For the same reason protocol 0–2 `bytes`, which CPython writes as a call to
 *   `_codecs.encode`, are refused as GLOBAL; protocol ≥ 3 bytes decode.
 * - Never hangs: work is linear in the input, which is capped (1 MiB by default);
 *   every length is checked against the bytes that remain; integers are capped at
 *   CPython's own 4300-digit limit.
 * - Bounded output: the memo has an entry limit, and after STOP the result is walked
 *   once (each shared object once) to refuse cycles, nesting deeper than the limit,
 *   and values that expand past a size limit when shared references are followed —
 *   a 200-byte pickle of `DUP TUPLE2` pairs would otherwise be 2^100 values to anyone
 *   who prints or serialises it.
 * - Stricter than CPython where CPython is lenient: values left on the stack at STOP,
 *   and bytes after STOP, are errors.
 */
import { GlobusDataError, type GlobusDataErrorReason } from '../errors/globus-data-error';
import type { IPickleDict, PickleValue } from './types';

/**
 * Limits for {@link unpickle}. Defaults suit GLOBUS_DATA (real ones are a few KiB).
 */
export interface IUnpickleOptions {
  /** Largest pickle accepted, in bytes. Default 1 MiB. */
  maxInputBytes?: number;
  /** Deepest container nesting accepted. Default 100; at most 1000. */
  maxDepth?: number;
  /** Most memo entries accepted. Default 65,536. */
  maxMemoEntries?: number;
  /**
   * Largest expanded size accepted: every value counts 1, strings and bytes also their
   * length, and a shared value counts each time it is referenced. Default 32 Mi.
   */
  maxExpandedSize?: number;
}

/** Default input limit: 1 MiB of pickle (after base64 decoding). */
export const DEFAULT_MAX_INPUT_BYTES = 1024 * 1024;

/**
 * Decode a pickle of JSON-typed data without running anything.
 *
 * @param data - the raw pickle bytes (already base64-decoded)
 * @param options - limits
 * @returns the decoded value
 * @throws {@link GlobusDataError} for anything but a well-formed plain-data pickle
 */
export function unpickle(data: Uint8Array, options: IUnpickleOptions = {}): PickleValue {
  const limits = resolveLimits(options);
  if (data.length > limits.maxInputBytes) {
    throw new GlobusDataError(
      `GLOBUS_DATA pickle is ${data.length} bytes, more than the ${limits.maxInputBytes}-byte limit.`,
      { reason: 'too-large' }
    );
  }
  const value = new Unpickler(data, limits).run();
  checkResult(value, limits);
  return value;
}

// --- module internals

interface ILimits {
  maxInputBytes: number;
  maxDepth: number;
  maxMemoEntries: number;
  maxExpandedSize: number;
}

function resolveLimits(options: IUnpickleOptions): ILimits {
  return {
    maxInputBytes: options.maxInputBytes ?? DEFAULT_MAX_INPUT_BYTES,
    // The result check recurses once per level: keep it far from the JS stack limit.
    maxDepth: Math.min(options.maxDepth ?? 100, 1000),
    maxMemoEntries: options.maxMemoEntries ?? 65536,
    maxExpandedSize: options.maxExpandedSize ?? 32 * 1024 * 1024
  };
}

/** Opcode byte → name, for every opcode of protocols 0–5. */
const NAMES: Record<number, string> = {
  0x28: 'MARK',
  0x2e: 'STOP',
  0x30: 'POP',
  0x31: 'POP_MARK',
  0x32: 'DUP',
  0x46: 'FLOAT',
  0x49: 'INT',
  0x4a: 'BININT',
  0x4b: 'BININT1',
  0x4c: 'LONG',
  0x4d: 'BININT2',
  0x4e: 'NONE',
  0x50: 'PERSID',
  0x51: 'BINPERSID',
  0x52: 'REDUCE',
  0x53: 'STRING',
  0x54: 'BINSTRING',
  0x55: 'SHORT_BINSTRING',
  0x56: 'UNICODE',
  0x58: 'BINUNICODE',
  0x61: 'APPEND',
  0x62: 'BUILD',
  0x63: 'GLOBAL',
  0x64: 'DICT',
  0x7d: 'EMPTY_DICT',
  0x65: 'APPENDS',
  0x67: 'GET',
  0x68: 'BINGET',
  0x69: 'INST',
  0x6a: 'LONG_BINGET',
  0x6c: 'LIST',
  0x5d: 'EMPTY_LIST',
  0x6f: 'OBJ',
  0x70: 'PUT',
  0x71: 'BINPUT',
  0x72: 'LONG_BINPUT',
  0x73: 'SETITEM',
  0x74: 'TUPLE',
  0x29: 'EMPTY_TUPLE',
  0x75: 'SETITEMS',
  0x47: 'BINFLOAT',
  0x80: 'PROTO',
  0x81: 'NEWOBJ',
  0x82: 'EXT1',
  0x83: 'EXT2',
  0x84: 'EXT4',
  0x85: 'TUPLE1',
  0x86: 'TUPLE2',
  0x87: 'TUPLE3',
  0x88: 'NEWTRUE',
  0x89: 'NEWFALSE',
  0x8a: 'LONG1',
  0x8b: 'LONG4',
  0x42: 'BINBYTES',
  0x43: 'SHORT_BINBYTES',
  0x8c: 'SHORT_BINUNICODE',
  0x8d: 'BINUNICODE8',
  0x8e: 'BINBYTES8',
  0x8f: 'EMPTY_SET',
  0x90: 'ADDITEMS',
  0x91: 'FROZENSET',
  0x92: 'NEWOBJ_EX',
  0x93: 'STACK_GLOBAL',
  0x94: 'MEMOIZE',
  0x95: 'FRAME',
  0x96: 'BYTEARRAY8',
  0x97: 'NEXT_BUFFER',
  0x98: 'READONLY_BUFFER'
};

/** Opcodes that load classes, call code, or reach outside the pickle. */
const CODE_OPCODES = new Set([
  0x63, 0x93, 0x52, 0x62, 0x69, 0x6f, 0x81, 0x92, 0x82, 0x83, 0x84, 0x50, 0x51, 0x97, 0x98
]);
/** Opcodes that build sets: not JSON-typed, refused (see the module header). */
const SET_OPCODES = new Set([0x8f, 0x90, 0x91]);

/** CPython refuses int ↔ str conversions beyond this many digits (sys.int_info). */
const MAX_INT_DIGITS = 4300;
/** Binary longs: about the same magnitude as {@link MAX_INT_DIGITS} digits. */
const MAX_LONG_BYTES = 1800;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

class Unpickler {
  private pos = 0;
  private opOffset = 0;
  private op = 0;
  private readonly stack: PickleValue[] = [];
  /** Stack length at each open MARK. */
  private readonly marks: number[] = [];
  private readonly memo = new Map<number, PickleValue>();
  /** Arrays that came from tuples: immutable, so APPEND to one is an error. */
  private readonly tuples = new WeakSet<PickleValue[]>();
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly limits: ILimits
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  run(): PickleValue {
    const bytes = this.bytes;
    for (;;) {
      if (this.pos >= bytes.length) {
        throw new GlobusDataError('GLOBUS_DATA pickle ends before its STOP opcode.', {
          reason: 'truncated',
          offset: this.pos
        });
      }
      this.opOffset = this.pos;
      this.op = bytes[this.pos++];
      if (this.op === 0x2e) {
        return this.stop();
      }
      this.step();
    }
  }

  private stop(): PickleValue {
    if (this.marks.length > 0 || this.stack.length !== 1) {
      throw this.fail('bad-stack', 'GLOBUS_DATA pickle leaves values or marks open at STOP.');
    }
    if (this.pos !== this.bytes.length) {
      throw this.fail(
        'trailing-data',
        `GLOBUS_DATA pickle has ${this.bytes.length - this.pos} bytes after STOP.`
      );
    }
    return this.stack[0];
  }

  /** Execute the opcode in `this.op` (its byte already consumed). */
  private step(): void {
    const op = this.op;
    if (CODE_OPCODES.has(op)) {
      throw this.fail(
        'unsupported-opcode',
        `GLOBUS_DATA pickle would load a Python class or call code (${this.where()}); ` +
          'only plain data is accepted, so nothing was run.'
      );
    }
    if (SET_OPCODES.has(op)) {
      throw this.fail(
        'unsupported-opcode',
        `GLOBUS_DATA pickle holds a set (${this.where()}); auth state is JSON and has none.`
      );
    }
    switch (op) {
      // --- framing and protocol
      case 0x80: {
        const proto = this.u8();
        if (proto > 5) {
          throw this.fail(
            'unsupported-protocol',
            `Pickle protocol ${proto} is not supported (0–5).`
          );
        }
        return;
      }
      case 0x95:
        // FRAME only announces how many bytes follow; check it fits, then read on.
        this.length64();
        return;
      // --- stack manipulation
      case 0x28:
        if (this.marks.length >= this.limits.maxDepth) {
          throw this.fail(
            'too-deep',
            `GLOBUS_DATA pickle nests more than ${this.limits.maxDepth} levels.`
          );
        }
        this.marks.push(this.stack.length);
        return;
      case 0x30:
        // As CPython: POP on an empty frame discards the mark instead.
        if (this.stack.length > this.frameBase()) {
          this.stack.pop();
        } else {
          this.popMark();
        }
        return;
      case 0x31:
        this.popMark();
        return;
      case 0x32:
        this.push(this.top());
        return;
      // --- scalars
      case 0x4e:
        this.push(null);
        return;
      case 0x88:
        this.push(true);
        return;
      case 0x89:
        this.push(false);
        return;
      case 0x49:
        this.push(this.textInt(false));
        return;
      case 0x4c:
        this.push(this.textInt(true));
        return;
      case 0x4a:
        this.push(this.i32());
        return;
      case 0x4b:
        this.push(this.u8());
        return;
      case 0x4d:
        this.push(this.u16());
        return;
      case 0x8a:
        this.push(this.binaryLong(this.u8()));
        return;
      case 0x8b: {
        const n = this.length32();
        if (n > MAX_LONG_BYTES) {
          throw this.fail(
            'too-large',
            `GLOBUS_DATA pickle has an integer of ${n} bytes (${this.where()}).`
          );
        }
        this.push(this.binaryLong(n));
        return;
      }
      case 0x46:
        this.push(this.textFloat());
        return;
      case 0x47:
        this.push(this.f64());
        return;
      // --- strings
      case 0x56:
        this.push(rawUnicodeEscape(this.line(), this));
        return;
      case 0x58:
        this.push(this.utf8(this.take(this.u32())));
        return;
      case 0x8c:
        this.push(this.utf8(this.take(this.u8())));
        return;
      case 0x8d:
        this.push(this.utf8(this.take(this.length64())));
        return;
      case 0x53:
        this.push(this.ascii(escapeDecode(this.quoted(), this)));
        return;
      case 0x54:
        this.push(this.ascii(this.take(this.length32())));
        return;
      case 0x55:
        this.push(this.ascii(this.take(this.u8())));
        return;
      // --- bytes: copied into a plain Uint8Array, never a view of (or a Buffer over) the input
      case 0x42:
        this.push(new Uint8Array(this.take(this.u32())));
        return;
      case 0x43:
        this.push(new Uint8Array(this.take(this.u8())));
        return;
      case 0x8e:
      case 0x96:
        this.push(new Uint8Array(this.take(this.length64())));
        return;
      // --- containers
      case 0x7d:
        this.push({});
        return;
      case 0x5d:
        this.push([]);
        return;
      case 0x29:
        this.push(this.tuple([]));
        return;
      case 0x64:
        this.push(this.dictFrom(this.popMark()));
        return;
      case 0x6c:
        this.push(this.popMark());
        return;
      case 0x74:
        this.push(this.tuple(this.popMark()));
        return;
      case 0x85:
      case 0x86:
      case 0x87: {
        const n = op - 0x84;
        if (this.stack.length - this.frameBase() < n) {
          throw this.underflow();
        }
        this.push(this.tuple(this.stack.splice(this.stack.length - n, n)));
        return;
      }
      case 0x61: {
        const item = this.pop();
        this.list().push(item);
        return;
      }
      case 0x65: {
        const items = this.popMark();
        const list = this.list();
        for (const item of items) {
          list.push(item);
        }
        return;
      }
      case 0x73: {
        const value = this.pop();
        const key = this.pop();
        this.setItem(this.dict(), key, value);
        return;
      }
      case 0x75: {
        const items = this.popMark();
        const dict = this.dict();
        if (items.length % 2 !== 0) {
          throw this.fail(
            'bad-stack',
            `GLOBUS_DATA pickle has an odd number of dict items (${this.where()}).`
          );
        }
        for (let i = 0; i < items.length; i += 2) {
          this.setItem(dict, items[i], items[i + 1]);
        }
        return;
      }
      // --- memo
      case 0x70:
        this.put(this.textIndex());
        return;
      case 0x71:
        this.put(this.u8());
        return;
      case 0x72:
        this.put(this.u32());
        return;
      case 0x94:
        this.put(this.memo.size);
        return;
      case 0x67:
        this.get(this.textIndex());
        return;
      case 0x68:
        this.get(this.u8());
        return;
      case 0x6a:
        this.get(this.u32());
        return;
      default:
        throw this.fail(
          'unknown-opcode',
          `GLOBUS_DATA is not a pickle this decoder knows: byte 0x${op.toString(16).padStart(2, '0')} ` +
            `at offset ${this.opOffset} is no opcode of protocols 0–5.`,
          false
        );
    }
  }

  // --- errors

  /** `NAME at byte N`, for messages. */
  where(): string {
    return `${NAMES[this.op] ?? 'opcode'} at byte ${this.opOffset}`;
  }

  fail(reason: GlobusDataErrorReason, message: string, withOpcode = true): GlobusDataError {
    return new GlobusDataError(message, {
      reason,
      opcode: withOpcode ? NAMES[this.op] : undefined,
      offset: this.opOffset
    });
  }

  private underflow(): GlobusDataError {
    return this.fail('bad-stack', `GLOBUS_DATA pickle stack underflow (${this.where()}).`);
  }

  // --- reading operands (every read is bounded by what remains)

  private need(n: number): void {
    const remaining = this.bytes.length - this.pos;
    if (n > remaining) {
      throw this.fail(
        'truncated',
        `GLOBUS_DATA pickle is truncated: ${this.where()} needs ${n} bytes, ${remaining} remain.`
      );
    }
  }

  private u8(): number {
    this.need(1);
    return this.bytes[this.pos++];
  }

  private u16(): number {
    this.need(2);
    const n = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return n;
  }

  private u32(): number {
    this.need(4);
    const n = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return n;
  }

  private i32(): number {
    this.need(4);
    const n = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return n;
  }

  /** A big-endian double (BINFLOAT). */
  private f64(): number {
    this.need(8);
    const x = this.view.getFloat64(this.pos, false);
    this.pos += 8;
    return x;
  }

  /** A signed 4-byte length (LONG4, BINSTRING): negative is refused. */
  private length32(): number {
    const n = this.i32();
    if (n < 0) {
      throw this.fail('bad-value', `GLOBUS_DATA pickle has a negative length at ${this.where()}.`);
    }
    return n;
  }

  /** An 8-byte length; anything beyond the remaining input is truncation. */
  private length64(): number {
    this.need(8);
    const lo = this.view.getUint32(this.pos, true);
    const hi = this.view.getUint32(this.pos + 4, true);
    this.pos += 8;
    const n = hi > 0x1fffff ? Number.MAX_SAFE_INTEGER : hi * 0x100000000 + lo;
    this.need(n);
    return n;
  }

  private take(n: number): Uint8Array {
    this.need(n);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** A protocol-0 argument: the bytes up to (not including) the next newline. */
  private line(): Uint8Array {
    const end = this.bytes.indexOf(0x0a, this.pos);
    if (end < 0) {
      throw this.fail(
        'truncated',
        `GLOBUS_DATA pickle is truncated: ${this.where()} has no end of line.`
      );
    }
    const out = this.bytes.subarray(this.pos, end);
    this.pos = end + 1;
    return out;
  }

  private lineText(): string {
    // Protocol-0 numbers are ASCII; latin1 keeps any other byte visible to the checks.
    return Buffer.from(this.line()).toString('latin1');
  }

  private textInt(isLong: boolean): PickleValue {
    let text = this.lineText();
    if (!isLong) {
      // INT doubles as bool in protocol 0: "I01\n" / "I00\n".
      if (text === '01') {
        return true;
      }
      if (text === '00') {
        return false;
      }
    } else if (text.endsWith('L')) {
      text = text.slice(0, -1);
    }
    return this.decimal(text);
  }

  private decimal(text: string): number | bigint {
    if (!/^[+-]?[0-9]+$/.test(text)) {
      throw this.fail('bad-value', `GLOBUS_DATA pickle has a malformed integer (${this.where()}).`);
    }
    if (text.length > MAX_INT_DIGITS) {
      throw this.fail(
        'too-large',
        `GLOBUS_DATA pickle has an integer of ${text.length} digits (${this.where()}).`
      );
    }
    return text.length <= 15 ? Number(text) : toIntValue(BigInt(text));
  }

  private textIndex(): number {
    const text = this.lineText();
    if (!/^[0-9]{1,15}$/.test(text)) {
      throw this.fail(
        'bad-value',
        `GLOBUS_DATA pickle has a malformed memo index (${this.where()}).`
      );
    }
    return Number(text);
  }

  private textFloat(): number {
    const text = this.lineText();
    const m =
      /^([+-]?)(?:([0-9]+\.?[0-9]*(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?)|(inf|infinity)|(nan))$/i.exec(
        text
      );
    if (!m) {
      throw this.fail('bad-value', `GLOBUS_DATA pickle has a malformed float (${this.where()}).`);
    }
    if (m[4] !== undefined) {
      return NaN;
    }
    if (m[3] !== undefined) {
      return m[1] === '-' ? -Infinity : Infinity;
    }
    return Number(text);
  }

  private binaryLong(n: number): number | bigint {
    const raw = this.take(n);
    if (n === 0) {
      return 0;
    }
    let hex = '';
    for (let i = n - 1; i >= 0; i--) {
      hex += raw[i].toString(16).padStart(2, '0');
    }
    let value = BigInt('0x' + hex);
    if (raw[n - 1] & 0x80) {
      value -= 1n << BigInt(8 * n);
    }
    return toIntValue(value);
  }

  /** STRING's argument: a Python repr, quoted with ' or ". */
  private quoted(): Uint8Array {
    const text = this.line();
    const q = text[0];
    if (text.length < 2 || (q !== 0x27 && q !== 0x22) || text[text.length - 1] !== q) {
      throw this.fail('bad-value', `GLOBUS_DATA pickle has an unquoted STRING (${this.where()}).`);
    }
    return text.subarray(1, text.length - 1);
  }

  private utf8(raw: Uint8Array): string {
    try {
      return utf8.decode(raw);
    } catch {
      // CPython decodes with 'surrogatepass': lone surrogates (ED A0..BF xx) are allowed.
      return utf8SurrogatePass(raw, this);
    }
  }

  /** STRING/BINSTRING: CPython's default `encoding='ASCII'`. */
  private ascii(raw: Uint8Array): string {
    for (const b of raw) {
      if (b > 0x7f) {
        throw this.fail(
          'bad-value',
          `GLOBUS_DATA pickle has a non-ASCII byte string (${this.where()}).`
        );
      }
    }
    return Buffer.from(raw).toString('latin1');
  }

  // --- the stack

  private frameBase(): number {
    return this.marks.length > 0 ? this.marks[this.marks.length - 1] : 0;
  }

  private push(value: PickleValue): void {
    this.stack.push(value);
  }

  private pop(): PickleValue {
    if (this.stack.length <= this.frameBase()) {
      throw this.underflow();
    }
    return this.stack.pop() as PickleValue;
  }

  private top(): PickleValue {
    if (this.stack.length <= this.frameBase()) {
      throw this.underflow();
    }
    return this.stack[this.stack.length - 1];
  }

  private popMark(): PickleValue[] {
    const base = this.marks.pop();
    if (base === undefined) {
      throw this.fail('bad-stack', `GLOBUS_DATA pickle has no MARK for ${this.where()}.`);
    }
    return this.stack.splice(base);
  }

  private tuple(items: PickleValue[]): PickleValue[] {
    this.tuples.add(items);
    return items;
  }

  private list(): PickleValue[] {
    const target = this.top();
    if (!Array.isArray(target) || this.tuples.has(target)) {
      throw this.fail(
        'bad-stack',
        `GLOBUS_DATA pickle appends to something not a list (${this.where()}).`
      );
    }
    return target;
  }

  private dict(): IPickleDict {
    const target = this.top();
    if (!isDict(target)) {
      throw this.fail(
        'bad-stack',
        `GLOBUS_DATA pickle sets an item on something not a dict (${this.where()}).`
      );
    }
    return target;
  }

  private dictFrom(items: PickleValue[]): IPickleDict {
    if (items.length % 2 !== 0) {
      throw this.fail(
        'bad-stack',
        `GLOBUS_DATA pickle has an odd number of dict items (${this.where()}).`
      );
    }
    const dict: IPickleDict = {};
    for (let i = 0; i < items.length; i += 2) {
      this.setItem(dict, items[i], items[i + 1]);
    }
    return dict;
  }

  private setItem(dict: IPickleDict, key: PickleValue, value: PickleValue): void {
    if (typeof key !== 'string') {
      throw this.fail(
        'bad-key',
        `GLOBUS_DATA pickle has a dict key that is not a string (${this.where()}).`
      );
    }
    // defineProperty: a key named "__proto__" must stay data, not become the prototype.
    Object.defineProperty(dict, key, {
      value,
      writable: true,
      enumerable: true,
      configurable: true
    });
  }

  // --- the memo

  private put(index: number): void {
    const value = this.top();
    if (!this.memo.has(index) && this.memo.size >= this.limits.maxMemoEntries) {
      throw this.fail(
        'memo-limit',
        `GLOBUS_DATA pickle has more than ${this.limits.maxMemoEntries} memo entries.`
      );
    }
    this.memo.set(index, value);
  }

  private get(index: number): void {
    if (!this.memo.has(index)) {
      throw this.fail(
        'bad-memo',
        `GLOBUS_DATA pickle refers to memo entry ${index}, never stored (${this.where()}).`
      );
    }
    this.push(this.memo.get(index) as PickleValue);
  }
}

function toIntValue(value: bigint): number | bigint {
  return value <= MAX_SAFE && value >= -MAX_SAFE ? Number(value) : value;
}

function isDict(value: PickleValue): value is IPickleDict {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Uint8Array)
  );
}

function isHex(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66);
}

/** Decode like CPython's `raw-unicode-escape`: latin-1 except `\uXXXX` and `\UXXXXXXXX`. */
function rawUnicodeEscape(raw: Uint8Array, u: Unpickler): string {
  const parts: string[] = [];
  let i = 0;
  while (i < raw.length) {
    const c = raw[i++];
    if (c !== 0x5c || i >= raw.length) {
      parts.push(String.fromCharCode(c));
      continue;
    }
    const e = raw[i++];
    const count = e === 0x75 ? 4 : e === 0x55 ? 8 : 0;
    if (count === 0) {
      parts.push('\\', String.fromCharCode(e));
      continue;
    }
    let cp = 0;
    for (let k = 0; k < count; k++, i++) {
      if (i >= raw.length || !isHex(raw[i])) {
        throw u.fail('bad-value', `GLOBUS_DATA pickle has a malformed \\u escape (${u.where()}).`);
      }
      cp = cp * 16 + parseInt(String.fromCharCode(raw[i]), 16);
    }
    if (cp > 0x10ffff) {
      throw u.fail(
        'bad-value',
        `GLOBUS_DATA pickle has an out-of-range \\U escape (${u.where()}).`
      );
    }
    parts.push(String.fromCodePoint(cp));
  }
  return parts.join('');
}

const SIMPLE_ESCAPES: Record<number, number> = {
  0x5c: 0x5c,
  0x27: 0x27,
  0x22: 0x22,
  0x61: 0x07,
  0x62: 0x08,
  0x66: 0x0c,
  0x6e: 0x0a,
  0x72: 0x0d,
  0x74: 0x09,
  0x76: 0x0b
};

/** Decode like CPython's `codecs.escape_decode` (STRING's Python-2 repr argument). */
function escapeDecode(raw: Uint8Array, u: Unpickler): Uint8Array {
  const out: number[] = [];
  let i = 0;
  while (i < raw.length) {
    const c = raw[i++];
    if (c !== 0x5c) {
      out.push(c);
      continue;
    }
    if (i >= raw.length) {
      throw u.fail(
        'bad-value',
        `GLOBUS_DATA pickle has a trailing backslash in a STRING (${u.where()}).`
      );
    }
    const e = raw[i++];
    if (e === 0x0a) {
      continue;
    }
    if (SIMPLE_ESCAPES[e] !== undefined) {
      out.push(SIMPLE_ESCAPES[e]);
    } else if (e >= 0x30 && e <= 0x37) {
      let v = e - 0x30;
      for (let k = 0; k < 2 && i < raw.length && raw[i] >= 0x30 && raw[i] <= 0x37; k++) {
        v = v * 8 + (raw[i++] - 0x30);
      }
      out.push(v & 0xff);
    } else if (e === 0x78) {
      if (i + 1 >= raw.length || !isHex(raw[i]) || !isHex(raw[i + 1])) {
        throw u.fail('bad-value', `GLOBUS_DATA pickle has a malformed \\x escape (${u.where()}).`);
      }
      out.push(parseInt(String.fromCharCode(raw[i], raw[i + 1]), 16));
      i += 2;
    } else {
      out.push(0x5c, e);
    }
  }
  return Uint8Array.from(out);
}

/** Strict UTF-8 that lets encoded surrogates through, as CPython's 'surrogatepass'. */
function utf8SurrogatePass(raw: Uint8Array, u: Unpickler): string {
  const units: number[] = [];
  const bad = (): GlobusDataError =>
    u.fail('bad-value', `GLOBUS_DATA pickle has a string that is not UTF-8 (${u.where()}).`);
  const cont = (i: number, lo = 0x80, hi = 0xbf): number => {
    if (i >= raw.length || raw[i] < lo || raw[i] > hi) {
      throw bad();
    }
    return raw[i] & 0x3f;
  };
  let i = 0;
  while (i < raw.length) {
    const b = raw[i];
    let cp: number;
    if (b < 0x80) {
      cp = b;
      i += 1;
    } else if (b >= 0xc2 && b <= 0xdf) {
      cp = ((b & 0x1f) << 6) | cont(i + 1);
      i += 2;
    } else if (b >= 0xe0 && b <= 0xef) {
      cp = ((b & 0x0f) << 12) | (cont(i + 1, b === 0xe0 ? 0xa0 : 0x80) << 6) | cont(i + 2);
      i += 3;
    } else if (b >= 0xf0 && b <= 0xf4) {
      const lo = b === 0xf0 ? 0x90 : 0x80;
      const hi = b === 0xf4 ? 0x8f : 0xbf;
      cp = ((b & 0x07) << 18) | (cont(i + 1, lo, hi) << 12) | (cont(i + 2) << 6) | cont(i + 3);
      i += 4;
    } else {
      throw bad();
    }
    if (cp > 0xffff) {
      cp -= 0x10000;
      units.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
    } else {
      units.push(cp);
    }
  }
  const parts: string[] = [];
  for (let k = 0; k < units.length; k += 8192) {
    parts.push(String.fromCharCode(...units.slice(k, k + 8192)));
  }
  return parts.join('');
}

interface IWalked {
  size: number;
  height: number;
}

/**
 * Refuse cycles, nesting beyond `maxDepth` and expansion beyond `maxExpandedSize`.
 * Each shared object is walked once; its size and height are reused at every reference.
 */
function checkResult(root: PickleValue, limits: ILimits): void {
  const done = new Map<object, IWalked>();
  const open = new Set<object>();
  const visit = (value: PickleValue, depth: number): IWalked => {
    if (typeof value === 'string') {
      return { size: 1 + value.length, height: 0 };
    }
    if (value instanceof Uint8Array) {
      return { size: 1 + value.length, height: 0 };
    }
    if (typeof value !== 'object' || value === null) {
      return { size: 1, height: 0 };
    }
    const seen = done.get(value);
    if (seen !== undefined) {
      if (depth + seen.height > limits.maxDepth) {
        throw tooDeep(limits);
      }
      return seen;
    }
    if (open.has(value)) {
      throw new GlobusDataError('GLOBUS_DATA pickle holds a container that contains itself.', {
        reason: 'cycle'
      });
    }
    if (depth + 1 > limits.maxDepth) {
      throw tooDeep(limits);
    }
    open.add(value);
    let size = 1;
    let height = 0;
    const add = (child: PickleValue): void => {
      const w = visit(child, depth + 1);
      size += w.size;
      height = Math.max(height, w.height);
      if (size > limits.maxExpandedSize) {
        throw new GlobusDataError(
          `GLOBUS_DATA pickle expands to more than ${limits.maxExpandedSize} values once shared references are followed.`,
          { reason: 'too-many-values' }
        );
      }
    };
    if (Array.isArray(value)) {
      value.forEach(add);
    } else {
      for (const key of Object.keys(value)) {
        size += 1 + key.length;
        add(value[key]);
      }
    }
    open.delete(value);
    const walked = { size, height: height + 1 };
    done.set(value, walked);
    return walked;
  };
  visit(root, 0);
}

function tooDeep(limits: ILimits): GlobusDataError {
  return new GlobusDataError(`GLOBUS_DATA pickle nests more than ${limits.maxDepth} levels.`, {
    reason: 'too-deep'
  });
}
