/**
 * Value formats Transfer uses in its documents: ISO timestamps with `+00:00`, the space
 * form in file listings, UUIDs, and the deprecated `u_…` usernames. Kept apart so the
 * collection store, the task engine and the routes cannot drift from each other.
 */
import { createHash } from 'node:crypto';

/** `2021-09-02T18:04:49+00:00` (tasks, events, access rules). */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

/** `2021-01-15T18:13:10.478759` (the task `key` field's microsecond form, no zone). */
export function isoMicros(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '000');
}

/** `2023-12-18 16:52:50+00:00` (file listings use a space, as recorded). */
export function lsTime(ms: number): string {
  return isoSeconds(ms).replace('T', ' ');
}

function formatUuid(bytes: Uint8Array): string {
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * A version-4-shaped UUID drawn from the seeded PRNG, so ids repeat with `--seed`
 * (task and rule ids are not secrets).
 */
export function uuidFromRandom(random: () => number): string {
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 16; i++) bytes[i] = Math.floor(random() * 256) & 0xff;
  return formatUuid(bytes);
}

/** A stable UUID derived from a name, for seeded objects that must keep their id across seeds. */
export function nameUuid(name: string): string {
  return formatUuid(new Uint8Array(createHash('sha256').update(name).digest().subarray(0, 16)));
}

/** True for a canonical 8-4-4-4-12 hex UUID. */
export function isUuid(s: unknown): s is string {
  return (
    typeof s === 'string' &&
    /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s)
  );
}

const base32Alphabet = 'abcdefghijklmnopqrstuvwxyz234567';

/** Globus's deprecated `username` form of an identity id: `u_` + base32 of the UUID bytes. */
export function legacyUsername(id: string): string {
  const bytes = Buffer.from(id.replace(/-/g, ''), 'hex');
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += base32Alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += base32Alphabet[(value << (5 - bits)) & 31];
  return `u_${out}`;
}
