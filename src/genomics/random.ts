import { randomBytes } from "node:crypto";

import { chacha20 } from "@noble/ciphers/chacha.js";
import { sha256 } from "@noble/hashes/sha2.js";

/**
 * Where the genomics SDK draws randomness: key pairs, self-mask seeds, Shamir shares and noise.
 * Production uses the operating system's CSPRNG (`node:crypto`); tests and reproducible benchmarks
 * use `seededRandom`, a ChaCha20 keystream under a fixed key (deterministic, never for real data).
 */
export interface RandomSource {
  /** `n` uniformly random bytes. */
  bytes(n: number): Uint8Array;
  /** A uniform double in the open interval (0, 1), 53 bits of entropy. */
  uniform(): number;
}

const TWO_53 = 2 ** 53;

function fromBytes(next: (n: number) => Uint8Array): RandomSource {
  let pool: Uint8Array = new Uint8Array(0);
  let at = 0;
  const take = (n: number): Uint8Array => {
    if (n > 4096) return next(n);
    if (at + n > pool.length) {
      pool = next(65536);
      at = 0;
    }
    const out = pool.slice(at, at + n);
    at += n;
    return out;
  };
  return {
    bytes: take,
    uniform() {
      const b = take(7);
      // 53 bits: 5 bits of b[0] and the 48 bits of b[1..6]
      let x = b[0]! & 0x1f;
      for (let i = 1; i < 7; i++) x = x * 256 + b[i]!;
      return (x + 0.5) / TWO_53;
    },
  };
}

/** The operating system's CSPRNG. */
export function cryptoRandom(): RandomSource {
  return fromBytes((n) => new Uint8Array(randomBytes(n)));
}

/** A deterministic ChaCha20 stream keyed by `seed`: for tests and reproducible benchmarks only. */
export function seededRandom(seed: string): RandomSource {
  const key = sha256(new TextEncoder().encode(`medchain.genomics.seeded-random.v1:${seed}`));
  let counter = 0;
  return fromBytes((n) => {
    const nonce = new Uint8Array(12);
    new DataView(nonce.buffer).setUint32(0, counter++, true);
    return chacha20(key, nonce, new Uint8Array(n));
  });
}
