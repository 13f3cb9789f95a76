import { expect } from "chai";

import { addNoiseShares, alphaForCell, noiseShare } from "../../src/genomics/noise.js";
import { seededRandom, type RandomSource } from "../../src/genomics/random.js";
import {
  aggregate,
  maskInput,
  receiveShares,
  recomputeSum,
  shareKeys,
  startSession,
  unmaskResponse,
  vectorOf,
  type MaskedInput,
} from "../../src/genomics/secagg.js";

const CONTEXT = { chainId: 31337n, queries: "0x" + "ab".repeat(20), queryId: 7n };
const LAB = "0x" + "0c".repeat(32);
const ids = (n: number) => Array.from({ length: n }, (_, i) => "0x" + (i + 1).toString(16).padStart(64, "0"));

/** Runs rounds 0-2 for `inputs` (one per participant); returns the sessions and their masked vectors. */
async function mask(inputs: Uint32Array[], threshold: number, rng: RandomSource) {
  const sessions = ids(inputs.length).map((id) => startSession(CONTEXT, id, LAB, rng));
  const ads = sessions.map((s) => s.advertisement);
  const bundles = await Promise.all(sessions.map((s) => shareKeys(s.secret, ads, threshold, rng)));
  for (const s of sessions) receiveShares(s.secret, ads, bundles);
  const masked = sessions.map((s, i) => maskInput(s.secret, ads, inputs[i]!));
  return { sessions, ads, bundles, masked };
}

/** Awaits `p`, expecting it to reject with a message matching `re`. */
async function rejects(p: Promise<unknown>, re: RegExp): Promise<void> {
  let error: unknown;
  try {
    await p;
  } catch (err) {
    error = err;
  }
  expect(error, "expected a rejection").to.be.instanceOf(Error);
  expect((error as Error).message).to.match(re);
}

/** Pearson chi-square statistic of counts against equal expected frequencies. */
function chiSquareUniform(counts: number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  const e = total / counts.length;
  return counts.reduce((s, c) => s + (c - e) ** 2 / e, 0);
}

/** Chi-square statistic of homogeneity of two histograms over the same buckets. */
function chiSquareHomogeneity(a: number[], b: number[]): number {
  const na = a.reduce((x, y) => x + y, 0);
  const nb = b.reduce((x, y) => x + y, 0);
  let chi = 0;
  a.forEach((ca, i) => {
    const cb = b[i]!;
    const col = ca + cb;
    if (col === 0) return;
    const ea = (col * na) / (na + nb);
    const eb = (col * nb) / (na + nb);
    chi += (ca - ea) ** 2 / ea + (cb - eb) ** 2 / eb;
  });
  return chi;
}

/** 16 buckets by the top four bits and 16 by the low four bits of each word. */
function histograms(vectors: Uint32Array[]): { high: number[]; low: number[] } {
  const high = new Array<number>(16).fill(0);
  const low = new Array<number>(16).fill(0);
  for (const v of vectors) {
    for (const x of v) {
      high[x >>> 28]!++;
      low[x & 15]!++;
    }
  }
  return { high, low };
}

/** Chi-square critical value for 15 degrees of freedom at p = 0.001. */
const CHI2_15_P001 = 37.7;

describe("secure aggregation", function () {
  this.timeout(120_000); // the Shamir work of three labs takes seconds on a loaded machine
  it("makes a lab's masked vector pass a chi-square test of uniformity, however skewed its counts", async function () {
    const rng = seededRandom("uniformity");
    const zeros = new Uint32Array(4096); // the most skewed input there is
    const { masked } = await mask([zeros, zeros.slice(), zeros.slice()], 2, rng);
    const h = histograms([vectorOf(masked[0]!)]);
    const chiHigh = chiSquareUniform(h.high);
    const chiLow = chiSquareUniform(h.low);
    console.log(
      `      chi-square (15 df) of a masked all-zero vector: high bits ${chiHigh.toFixed(1)}, low bits ${chiLow.toFixed(1)} (critical ${CHI2_15_P001})`,
    );
    expect(chiHigh).to.be.below(CHI2_15_P001);
    expect(chiLow).to.be.below(CHI2_15_P001);
  });

  it("gives the aggregator the same view whatever one lab's true counts are (for the same total)", async function () {
    // Lab A holds x or x' (lab B compensates, so the sum the aggregator must learn is equal); the
    // masked vectors the aggregator sees are compared over many runs with a homogeneity test.
    const runs = 40;
    const n = 96;
    const x = Uint32Array.from({ length: n }, () => 0);
    const xPrime = Uint32Array.from({ length: n }, (_, i) => 500 + i);
    const rest = Uint32Array.from({ length: n }, () => 1000);
    const restPrime = Uint32Array.from({ length: n }, (_, i) => 500 - i);
    const views: Uint32Array[][] = [[], []];
    const sums: string[] = [];
    for (let r = 0; r < runs; r++) {
      for (const [k, [a, b]] of [
        [x, rest],
        [xPrime, restPrime],
      ].entries()) {
        const rng = seededRandom(`view-${r}-${k}`);
        const { sessions, ads, masked } = await mask([a!, b!, new Uint32Array(n)], 2, rng);
        views[k]!.push(...masked.map(vectorOf));
        if (r === 0) {
          const all = ids(3);
          const responses = sessions.map((s) => unmaskResponse(s.secret, all, all, 2));
          sums.push(Array.from((await aggregate(CONTEXT, ads, masked, responses, 2)).sum).join(","));
        }
      }
    }
    expect(sums[0]).to.equal(sums[1]); // the aggregate, all the aggregator is meant to learn, is the same
    const a = histograms(views[0]!);
    const b = histograms(views[1]!);
    const chiHigh = chiSquareHomogeneity(a.high, b.high);
    const chiLow = chiSquareHomogeneity(a.low, b.low);
    console.log(
      `      homogeneity chi-square (15 df) of the two views: high bits ${chiHigh.toFixed(1)}, low bits ${chiLow.toFixed(1)}`,
    );
    expect(chiHigh).to.be.below(CHI2_15_P001);
    expect(chiLow).to.be.below(CHI2_15_P001);
  });

  it("completes the aggregate exactly when one of five labs drops out after masking", async function () {
    const rng = seededRandom("dropout");
    const inputs = [0, 1, 2, 3, 4].map((k) => Uint32Array.from({ length: 50 }, (_, i) => k * 100 + i));
    const { sessions, ads, masked } = await mask(inputs, 3, rng);
    const survivors = masked.slice(0, 4); // lab 5 masked, then dropped: its vector never arrives
    const survivorIds = survivors.map((m) => m.versionId);
    const responses = sessions.slice(0, 4).map((s) => unmaskResponse(s.secret, ids(5), survivorIds, 3));
    const { sum, transcript } = await aggregate(CONTEXT, ads, survivors, responses.slice(0, 3), 3);
    const expected = Array.from({ length: 50 }, (_, i) => [0, 1, 2, 3].reduce((s, k) => s + k * 100 + i, 0));
    expect(Array.from(sum)).to.deep.equal(expected);
    expect(Object.keys(transcript.droppedPairSeeds)).to.deep.equal([ids(5)[4]]);
    // Anyone with the transcript recomputes the same sum.
    expect(Array.from(recomputeSum(JSON.parse(JSON.stringify(transcript))))).to.deep.equal(expected);
  });

  it("refuses to unmask with fewer survivors than the threshold, or for a non-survivor", async function () {
    const rng = seededRandom("refuse");
    const { sessions } = await mask(
      [1, 2, 3].map(() => new Uint32Array(4)),
      3,
      rng,
    );
    const all = ids(3);
    expect(() => unmaskResponse(sessions[0]!.secret, all, all.slice(0, 2), 3)).to.throw(/fewer than the threshold 3/);
    expect(() => unmaskResponse(sessions[2]!.secret, all, all.slice(0, 2), 2)).to.throw(/not a survivor/);
    const r = unmaskResponse(sessions[0]!.secret, all, all.slice(0, 2), 2);
    // Never both shares for one participant: survivors get b-shares only, the dropped key shares only.
    expect(Object.keys(r.selfMaskShares)).to.deep.equal(all.slice(0, 2));
    expect(Object.keys(r.keyShares)).to.deep.equal([all[2]]);
  });

  it("detects a tampered share and a tampered or misaddressed encrypted share", async function () {
    const rng = seededRandom("tamper");
    const { sessions, ads, bundles, masked } = await mask(
      [1, 2, 3].map(() => new Uint32Array(4)),
      2,
      rng,
    );
    const all = ids(3);
    const responses = sessions.map((s) => unmaskResponse(s.secret, all, all, 2));
    // Flip one byte of the first survivor's b-share held by participant 2 (the x coordinate, last, kept).
    const flip = (share: string) => "0x" + (share.slice(2, 4) === "00" ? "01" : "00") + share.slice(4);
    const bad = responses.map((r, i) =>
      i === 1 ? { ...r, selfMaskShares: { ...r.selfMaskShares, [all[0]!]: flip(r.selfMaskShares[all[0]!]!) } } : r,
    );
    bad.reverse(); // so the corrupted share is among the two used
    await rejects(aggregate(CONTEXT, ads, masked, bad, 2), /does not match its commitment/);
    const box = bundles[1]!.shares[all[0]!]!;
    const forged = {
      ...bundles[1]!,
      shares: { [all[0]!]: { ...box, ciphertext: box.ciphertext.replace(/.$/, (c) => (c === "0" ? "1" : "0")) } },
    };
    expect(() => receiveShares(sessions[0]!.secret, ads, [forged])).to.throw(/does not decrypt/);
    const notForMe = { from: bundles[1]!.from, shares: { [all[2]!]: box } };
    expect(() => receiveShares(sessions[0]!.secret, ads, [notForMe])).to.throw(/nothing for/);
    const copy: MaskedInput[] = [masked[0]!, masked[0]!];
    await rejects(aggregate(CONTEXT, ads, copy, responses, 2), /sent twice/);
  });

  it("sums t labs' noise shares to discrete Laplace noise with the charged epsilon", function () {
    const rng = seededRandom("noise");
    const alpha = alphaForCell(400_000n); // 0.4 epsilon per cell: alpha = exp(-0.1)
    const t = 3;
    const draws = 20_000;
    let zeros = 0;
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < draws; i++) {
      let x = 0;
      for (let k = 0; k < t; k++) x += noiseShare(alpha, t, rng);
      if (x === 0) zeros++;
      sum += x;
      sq += x * x;
    }
    const mean = sum / draws;
    const variance = sq / draws - mean * mean;
    const expectedVariance = (2 * alpha) / (1 - alpha) ** 2;
    const expectedZero = (1 - alpha) / (1 + alpha);
    expect(Math.abs(mean)).to.be.below(0.5);
    expect(variance / expectedVariance).to.be.within(0.9, 1.1);
    expect(zeros / draws / expectedZero).to.be.within(0.85, 1.15);
    const v = new Uint32Array(4);
    addNoiseShares(v, alpha, t, rng);
    expect(Array.from(v).some((x) => x !== 0)).to.equal(true);
    expect(() => alphaForCell(0n)).to.throw(RangeError);
  });
});
