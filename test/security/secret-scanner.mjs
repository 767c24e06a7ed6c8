// A leak scanner for the secret-scan suite: it knows a set of secrets (tokens, codes,
// verifiers, client secrets) and searches texts for any of them, counting what it searched.
//
// What counts as a hit: any WINDOW (16) consecutive characters of a secret in one of the
// forms a leak takes on the way out — raw, URL-encoded (encodeURIComponent), JSON-escaped,
// and base64 / base64url at each of the three byte alignments (a token inside a pickle,
// a Basic header or any base64 blob). Matching windows rather than whole strings also
// catches a token cut short ("Ag12…" plus 20 characters in a log line). Fingerprints
// (8 hex digits of a SHA-256) share nothing with the token and are never hits.
//
// How: every WINDOW-long slice of every form goes into one Map; a text is cut into runs of
// the characters those forms use, and each WINDOW-long slice of a run is looked up. The
// cost is one lookup per character of such runs, whatever the number of secrets.

/** How many consecutive characters of a secret make a hit. */
export const WINDOW = 16;

/**
 * The inner part of base64(x) that depends only on x, for x placed at each of the three
 * byte offsets of a longer base64 text (the first and last characters depend on the
 * neighbouring bytes, so they are cut).
 *
 * @param {Buffer} bytes
 * @returns {string[]} three standard-alphabet strings
 */
function base64Cores(bytes) {
  const cores = [];
  for (let offset = 0; offset < 3; offset++) {
    const padded = Buffer.concat([Buffer.alloc(offset), bytes]);
    const encoded = padded.toString('base64').replace(/=+$/, '');
    // Characters before this one mix in the offset's zero bytes.
    const first = Math.ceil((offset * 4) / 3);
    // Characters from here on mix in the bytes that follow the secret.
    const last = Math.floor((padded.length * 4) / 3);
    cores.push(encoded.slice(first, last));
  }
  return cores;
}

/**
 * The forms a secret takes when it leaks through an encoding.
 *
 * @param {string} secret
 * @returns {Array<{ form: string, text: string }>} deduplicated by text
 */
export function formsOf(secret) {
  const forms = [
    { form: 'raw', text: secret },
    { form: 'URL-encoded', text: encodeURIComponent(secret) },
    { form: 'JSON-escaped', text: JSON.stringify(secret).slice(1, -1) }
  ];
  for (const core of base64Cores(Buffer.from(secret, 'utf8'))) {
    forms.push({ form: 'base64', text: core });
    forms.push({ form: 'base64url', text: core.replaceAll('+', '-').replaceAll('/', '_') });
  }
  const seen = new Set();
  return forms.filter(f => f.text.length >= WINDOW && !seen.has(f.text) && seen.add(f.text));
}

/** The signature segment of a compact JWT, or undefined for anything else. */
function jwtSignature(secret) {
  const parts = typeof secret === 'string' ? secret.split('.') : [];
  return parts.length === 3 && parts[0].startsWith('eyJ') && parts[2].length >= WINDOW
    ? parts[2]
    : undefined;
}

/** A short, safe name for a secret in a report: its first 4 characters and its length. */
export function tagOf(secret) {
  return `${secret.slice(0, 4)}… (${secret.length} chars)`;
}

/**
 * Knows secrets, scans texts, keeps counts and hits.
 */
export class SecretScanner {
  constructor() {
    /** window → [{ secret, kind, form, text }] */
    this._windows = new Map();
    this._chars = new Set();
    this._runs = null;
    /** secret → kind */
    this.secrets = new Map();
    /** source → { items, bytes } */
    this.sources = new Map();
    /** @type {Array<{ source: string, item: string, kind: string, form: string, secret: string, whole: boolean }>} */
    this.hits = [];
  }

  /**
   * Adds one secret.
   *
   * @param {string} secret
   * @param {string} kind - e.g. 'access token', 'authorization code'
   * @param {{ distinctPart?: string }} [options] - where only part of the secret is unique to
   *   it, windows are taken from that part only; a hit on it still names the whole secret.
   *   Default: a JWT's signature (its header is the same in every id_token), else the whole
   */
  add(secret, kind, { distinctPart = jwtSignature(secret) } = {}) {
    if (typeof secret !== 'string' || secret.length < WINDOW || this.secrets.has(secret)) return;
    this.secrets.set(secret, kind);
    for (const { form, text } of formsOf(distinctPart ?? secret)) {
      for (const c of text) this._chars.add(c);
      for (let i = 0; i + WINDOW <= text.length; i++) {
        const w = text.slice(i, i + WINDOW);
        const list = this._windows.get(w);
        const entry = { secret, kind, form, text };
        if (list) list.push(entry);
        else this._windows.set(w, [entry]);
      }
    }
    this._runs = null;
  }

  /** How many secrets of each kind are known. */
  kinds() {
    const counts = {};
    for (const kind of this.secrets.values()) counts[kind] = (counts[kind] ?? 0) + 1;
    return counts;
  }

  /** A regular expression for runs of characters that occur in some form of some secret. */
  _runPattern() {
    if (!this._runs) {
      const escaped = [...this._chars].map(c => (/[\\\]^-]/.test(c) ? `\\${c}` : c)).join('');
      this._runs = new RegExp(`[${escaped}]{${WINDOW},}`, 'gu');
    }
    return new RegExp(this._runs.source, 'gu');
  }

  /**
   * Searches one text; counts it under `source`.
   *
   * @param {string} source - e.g. 'browser responses'
   * @param {string} item - what the text is within the source (a URL, a cell id), for reports
   * @param {unknown} value - a string, or anything JSON can hold (it is stringified)
   * @returns {number} the hits found in it
   */
  scan(source, item, value) {
    const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
    const counts = this.sources.get(source) ?? { items: 0, bytes: 0, hits: 0 };
    counts.items++;
    counts.bytes += Buffer.byteLength(text);
    this.sources.set(source, counts);
    if (this.secrets.size === 0) return 0;
    const found = new Map(); // secret + form → hit
    for (const match of text.matchAll(this._runPattern())) {
      const run = match[0];
      for (let i = 0; i + WINDOW <= run.length; i++) {
        const entries = this._windows.get(run.slice(i, i + WINDOW));
        if (!entries) continue;
        for (const e of entries) {
          const key = `${e.secret}\0${e.form}`;
          if (!found.has(key)) {
            found.set(key, {
              source,
              item,
              kind: e.kind,
              form: e.form,
              secret: e.secret,
              whole: text.includes(e.text)
            });
          }
        }
      }
    }
    this.hits.push(...found.values());
    counts.hits += found.size;
    return found.size;
  }

  /** Totals over every source. */
  totals() {
    let items = 0;
    let bytes = 0;
    for (const c of this.sources.values()) {
      items += c.items;
      bytes += c.bytes;
    }
    return { sources: this.sources.size, items, bytes, secrets: this.secrets.size };
  }

  /** One line per hit, naming the source, item, kind, form and a 4-character tag only. */
  describeHits() {
    return this.hits.map(
      h =>
        `${h.source} › ${h.item}: ${h.whole ? '' : 'part of '}${h.kind} ${tagOf(h.secret)} (${h.form})`
    );
  }
}
