// `npm run bench:genomics-scale`: the scale run, as a benchmark (never a timed test):
// 10,000 invented samples by 100,000 variant sites across five labs (2,000 samples each). Each lab
// counts its genotype matrix into per-site AC/AN, adds its discrete Laplace noise share, and masks
// the vector; the aggregator unmasks the sum (with one lab's keys shared but not needed: no dropout
// here; the tests cover dropout); a verifier recomputes the sum from the transcript and checks every
// digest. Wall time per phase and peak memory go to bench/genomics-scale.json.
import { writeFile } from "node:fs/promises";
import { resourceUsage } from "node:process";

import { addNoiseShares, alphaForCell } from "../src/genomics/noise.js";
import { seededRandom } from "../src/genomics/random.js";
import { aggregateDigestOf, decodeAggregate } from "../src/genomics/release.js";
import {
  aggregate,
  maskInput,
  maskedDigest,
  receiveShares,
  recomputeSum,
  shareKeys,
  startSession,
  unmaskResponse,
  vectorOf,
  type MaskedInput,
} from "../src/genomics/secagg.js";

const LABS = 5;
const SAMPLES_PER_LAB = 2_000;
const SITES = 100_000;
const THRESHOLD = 3;
const CHUNK = 5_000; // sites per genotype block (samples x sites, one byte per genotype)
const TARGET_SECONDS = 60;
const TARGET_MB = 2048;

const context = { chainId: 31337n, queries: "0x" + "ab".repeat(20), queryId: 1n };
const ids = Array.from({ length: LABS }, (_, i) => "0x" + (i + 1).toString(16).padStart(64, "0"));
const rng = seededRandom("genomics-scale");
const phases: Record<string, number> = {};
let peakRss = 0;
const sample = () => (peakRss = Math.max(peakRss, process.memoryUsage().rss));
const timer = setInterval(sample, 50);

async function phase<T>(name: string, body: () => T | Promise<T>): Promise<T> {
  const t = performance.now();
  const out = await body();
  phases[name] = (phases[name] ?? 0) + (performance.now() - t) / 1000;
  sample();
  return out;
}

/** xorshift32 for the synthetic genotypes: data generation only, never keys or noise. */
function xorshift(seed: number) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

/** Site allele frequencies (invented), shared by all labs. */
const freq = new Float64Array(SITES);
{
  const next = xorshift(7);
  for (let s = 0; s < SITES; s++) freq[s] = Math.pow(next() / 2 ** 32, 3) * 0.5;
}

const start = performance.now();
const sessions = ids.map((id) => startSession(context, id, "0x" + "0c".repeat(32), rng));
const ads = sessions.map((s) => s.advertisement);
await phase("keys and shares", async () => {
  const bundles = await Promise.all(sessions.map((s) => shareKeys(s.secret, ads, THRESHOLD, rng)));
  for (const s of sessions) receiveShares(s.secret, ads, bundles);
});

const alpha = alphaForCell(1_000_000n);
const trueSum = new Float64Array(2 * SITES);
const masked: MaskedInput[] = [];
for (let lab = 0; lab < LABS; lab++) {
  const vector = await phase("count genotypes", () => {
    const v = new Uint32Array(2 * SITES);
    const next = xorshift(1000 + lab);
    const block = new Uint8Array(CHUNK * SAMPLES_PER_LAB);
    for (let s0 = 0; s0 < SITES; s0 += CHUNK) {
      // the lab's genotype block: samples x sites, alt-allele copies 0..2 (3 = a missing call, 1%);
      // one 32-bit draw per genotype, its two halves deciding the two alleles
      for (let s = 0; s < CHUNK; s++) {
        const t = Math.floor(freq[s0 + s]! * 65536);
        for (let p = 0; p < SAMPLES_PER_LAB; p++) {
          const r = next();
          block[s * SAMPLES_PER_LAB + p] =
            (p * 7 + s0 + s) % 100 === 0 ? 3 : (r >>> 16 < t ? 1 : 0) + ((r & 0xffff) < t ? 1 : 0);
        }
      }
      for (let s = 0; s < CHUNK; s++) {
        let ac = 0;
        let an = 0;
        for (let p = 0; p < SAMPLES_PER_LAB; p++) {
          const g = block[s * SAMPLES_PER_LAB + p]!;
          if (g !== 3) {
            ac += g;
            an += 2;
          }
        }
        v[2 * (s0 + s)] = ac;
        v[2 * (s0 + s) + 1] = an;
      }
    }
    return v;
  });
  vector.forEach((x, i) => (trueSum[i] = trueSum[i]! + x));
  await phase("noise", () => addNoiseShares(vector, alpha, THRESHOLD, rng));
  masked.push(await phase("mask", () => maskInput(sessions[lab]!.secret, ads, vector)));
}
const digests = await phase("digests", () => masked.map((m) => maskedDigest(context, m.versionId, vectorOf(m))));
const { sum, transcript } = await phase("aggregate", async () => {
  const responses = sessions.map((s) => unmaskResponse(s.secret, ids, ids, THRESHOLD));
  return aggregate(context, ads, masked, responses, THRESHOLD);
});
const published = aggregateDigestOf(1n, sum);
const verified = await phase("verify", () => {
  const again = recomputeSum(transcript);
  const digestsOk = transcript.masked.every((m, i) => maskedDigest(context, m.versionId, vectorOf(m)) === digests[i]);
  return digestsOk && aggregateDigestOf(1n, again) === published;
});
const wall = (performance.now() - start) / 1000;
clearInterval(timer);
sample();

// The aggregate is the true sum plus noise of scale ~sqrt(2 alpha)/(1 - alpha) per entry.
const values = decodeAggregate(sum);
let worst = 0;
for (let i = 0; i < values.length; i++) worst = Math.max(worst, Math.abs(values[i]! - trueSum[i]!));

const peakMb = Math.max(peakRss, resourceUsage().maxRSS * 1024) / 2 ** 20;
const result = {
  samples: LABS * SAMPLES_PER_LAB,
  sites: SITES,
  labs: LABS,
  threshold: THRESHOLD,
  vectorEntries: 2 * SITES,
  verified,
  largestNoise: worst,
  wallSeconds: Number(wall.toFixed(2)),
  peakMemoryMb: Math.round(peakMb),
  phasesSeconds: Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, Number(v.toFixed(2))])),
  targets: { wallSeconds: TARGET_SECONDS, peakMemoryMb: TARGET_MB },
  meetsTargets: wall < TARGET_SECONDS && peakMb < TARGET_MB,
  machine: `${(await import("node:os")).cpus().length} cores, Node ${process.version}`,
};
await writeFile("bench/genomics-scale.json", JSON.stringify(result, null, 2) + "\n");
console.log(result);
if (!verified || !result.meetsTargets) process.exitCode = 1;
