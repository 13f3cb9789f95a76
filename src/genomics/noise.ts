import type { RandomSource } from "./random.js";

/**
 * Distributed discrete noise for differential privacy: each contributing lab adds to each count the
 * difference of two Pólya(1/t, α) draws, so the sum over any t labs is exactly discrete Laplace
 * (two-sided geometric, P(k) ∝ α^|k|) with α = exp(−ε/Δ) (Goryczka and Xiong 2017; Balle et al.
 * 2020). More contributors only add noise. The noise is integer-valued, so the floating-point
 * attacks on continuous Laplace samplers (Mironov 2012) do not apply to what is released.
 *
 * Written here: no maintained JavaScript package samples Pólya or discrete Laplace noise from a
 * caller-supplied cryptographic source. The samplers are the textbook ones (Marsaglia-Tsang gamma,
 * Knuth Poisson), drawing every uniform from the `RandomSource`.
 */

/** A standard normal (Box-Muller). */
function normal(rng: RandomSource): number {
  return Math.sqrt(-2 * Math.log(rng.uniform())) * Math.cos(2 * Math.PI * rng.uniform());
}

/** Gamma(shape, 1) (Marsaglia and Tsang 2000; shape < 1 via Gamma(shape + 1) · U^(1/shape)). */
export function sampleGamma(shape: number, rng: RandomSource): number {
  if (shape < 1) return sampleGamma(shape + 1, rng) * Math.pow(rng.uniform(), 1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal(rng);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = rng.uniform();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

/** Poisson(λ): Knuth's method in chunks of at most 30 (a sum of Poissons is Poisson). */
export function samplePoisson(lambda: number, rng: RandomSource): number {
  let k = 0;
  let rest = lambda;
  while (rest > 0) {
    const part = Math.min(rest, 30);
    rest -= part;
    const limit = Math.exp(-part);
    let p = rng.uniform();
    while (p > limit) {
      k++;
      p *= rng.uniform();
    }
  }
  return k;
}

/** Pólya(r, α): negative binomial with real r, as Poisson(Gamma(r, α / (1 − α))). */
export function samplePolya(r: number, alpha: number, rng: RandomSource): number {
  return samplePoisson(sampleGamma(r, rng) * (alpha / (1 - alpha)), rng);
}

/** One lab's share of discrete Laplace(α) noise when at least `threshold` labs contribute. */
export function noiseShare(alpha: number, threshold: number, rng: RandomSource): number {
  const r = 1 / threshold;
  return samplePolya(r, alpha, rng) - samplePolya(r, alpha, rng);
}

/** Micro-epsilon (the contracts' fixed point) per epsilon. */
export const MICRO_EPSILON = 1_000_000;

/**
 * α for a cell charged `epsilonPerCell` micro-epsilon that releases two counts (AC and AN), each of
 * sensitivity 2 (one diploid person changes either by at most 2): half the epsilon per count.
 */
export function alphaForCell(epsilonPerCell: bigint | number): number {
  const eps = Number(epsilonPerCell) / MICRO_EPSILON;
  if (!(eps > 0)) throw new RangeError(`epsilon per cell must be positive, got ${eps}`);
  return Math.exp(-eps / 2 / 2);
}

/** Adds one lab's noise share to every entry of `vector` (mod 2^32, in place). */
export function addNoiseShares(vector: Uint32Array, alpha: number, threshold: number, rng: RandomSource): void {
  for (let i = 0; i < vector.length; i++) vector[i] = (vector[i]! + noiseShare(alpha, threshold, rng)) >>> 0;
}
