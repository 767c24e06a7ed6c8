/**
 * A small seeded PRNG shared by the services, so that a run with `--seed N` repeats: the
 * same fault decisions, the same generated ids. Secrets (tokens, codes) never come from it;
 * they come from `node:crypto`, because a predictable token is not a token.
 */

/**
 * Creates a mulberry32 generator: fast, 32-bit state, good enough for test determinism.
 * @param seed - any integer; the same seed gives the same sequence
 * @returns a function returning numbers in [0, 1)
 */
export function createSeededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
