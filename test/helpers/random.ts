/**
 * A seeded pseudo-random generator (a 32-bit linear congruential one) for the tests' property
 * checks: the same seed gives the same inputs, so a failing case is replayed from the seed its test
 * names. Numbers are in [0, 1).
 */
export function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}
