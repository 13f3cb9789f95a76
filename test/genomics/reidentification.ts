/**
 * The re-identification attack of Shringarpure and Bustamante (2015) against a 1,000-person pool:
 * an attacker holding a target's genome asks about the target's rarest alternate alleles and runs a
 * likelihood-ratio test of "the target is in the pool" (H1) against "it is not" (H0).
 *
 * Against an exact Beacon (yes/no answers, no budget) it reaches a confident answer in a handful of
 * queries. Against MedChain every query is approved (and charged) by the real GenomicQueries contract
 * under the fixture's rules; the answers are what the release gives: allele counts with the labs'
 * discrete Laplace noise, suppressed below the minimum cell count. The contract refuses the attacker
 * when the budget is spent, long before the test is confident. The simulation is deterministic
 * (seeded), and generous to the attacker: it knows every allele frequency exactly and the noise is
 * calibrated for all contributing labs (in production it is calibrated for the minimum, so larger).
 */
import { expect } from "chai";

import { requestQuery } from "../../src/genomics/client.js";
import { alphaForCell, noiseShare } from "../../src/genomics/noise.js";
import { seededRandom, type RandomSource } from "../../src/genomics/random.js";
import { RULES, HMB, loadGenomics, variantList, type GenomicsFixture } from "./fixture.js";

const POOL = 1000;
const SITES = 4000;
const CONFIDENT = 0.99;

/** log C(n, k) p^k (1-p)^(n-k) */
function logBinom(n: number, k: number, p: number): number {
  return lgamma(n + 1) - lgamma(k + 1) - lgamma(n - k + 1) + k * Math.log(p) + (n - k) * Math.log1p(-p);
}

/** Lanczos log-gamma (enough precision for likelihoods). */
function lgamma(x: number): number {
  const g = 7;
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lgamma(1 - x);
  x -= 1;
  let a = c[0]!;
  const t = x + g + 0.5;
  for (let i = 1; i < g + 2; i++) a += c[i]! / (x + i);
  return 0.5 * Math.log(2 * Math.PI) + (x + 0.5) * Math.log(t) - t + Math.log(a);
}

function binomial(n: number, p: number, rng: RandomSource): number {
  let k = 0;
  for (let i = 0; i < n; i++) if (rng.uniform() < p) k++;
  return k;
}

interface Site {
  f: number; // population allele frequency (known to the attacker)
  target: number; // the target's alternate-allele copies (1 or 2)
  acWith: number; // the pool's allele count when the target is in it (H1 is true)
}

/** Sites where the target carries the alternate allele, rarest first, with the pool's true counts. */
function world(rng: RandomSource): Site[] {
  const out: Site[] = [];
  while (out.length < SITES) {
    const f = Math.pow(10, -4 + 2.5 * rng.uniform()); // 1e-4 .. 3e-2, skewed rare
    const target = binomial(2, f, rng);
    if (target === 0) continue;
    out.push({ f, target, acWith: target + binomial(2 * (POOL - 1), f, rng) });
  }
  return out.sort((a, b) => a.f - b.f);
}

const posterior = (logLr: number) => 1 / (1 + Math.exp(-logLr));

/** Counts of H (n alleles, frequency f), plus `shift`, as a log-pmf table over 0..max. */
function countTable(n: number, f: number, shift: number, max: number): number[] {
  return Array.from({ length: max + 1 }, (_, a) => (a < shift ? -Infinity : logBinom(n, a - shift, f)));
}

/** log P(observation | counts table) with discrete Laplace(alpha) noise; `null` = suppressed below k. */
function logLikelihood(table: number[], observed: number | null, alpha: number, k: number): number {
  const logNorm = Math.log((1 - alpha) / (1 + alpha));
  const terms: number[] = [];
  table.forEach((lp, a) => {
    if (lp === -Infinity) return;
    if (observed !== null) {
      terms.push(lp + logNorm + Math.abs(observed - a) * Math.log(alpha));
    } else {
      // P(a + noise < k) = P(noise <= k - 1 - a)
      const m = k - 1 - a;
      const cdf = m >= 0 ? 1 - Math.pow(alpha, m + 1) / (1 + alpha) : Math.pow(alpha, -m) / (1 + alpha);
      terms.push(lp + Math.log(cdf));
    }
  });
  const top = Math.max(...terms);
  return top + Math.log(terms.reduce((s, t) => s + Math.exp(t - top), 0));
}

describe("re-identification simulation (Shringarpure-Bustamante 2015)", function () {
  it("re-identifies the target from an exact yes/no Beacon within a handful of queries", function () {
    const sites = world(seededRandom("reid-world"));
    let logLr = 0;
    let queries = 0;
    for (const s of sites) {
      queries++;
      // The Beacon answers "yes" (the target's allele is there); under H0 it would with this probability.
      logLr += -Math.log(1 - Math.pow(1 - s.f, 2 * POOL));
      if (posterior(logLr) >= CONFIDENT) break;
    }
    console.log(
      `      exact Beacon: ${queries} queries, confidence ${(100 * posterior(logLr)).toFixed(2)}% that the target is in the pool`,
    );
    expect(posterior(logLr)).to.be.at.least(CONFIDENT);
    expect(queries).to.be.below(50);
  });

  /**
   * Queries one variant batch after another over two labs' datasets; when a requester's share is spent,
   * the next colluding member takes over, until the datasets' budget refuses them all.
   */
  async function attack(fx: GenomicsFixture, cellsPerQuery: number) {
    const members = [fx.researcher, fx.labs[2]]; // lab 2's own dataset is not queried: it counts both labs
    const sites = world(seededRandom("reid-world"));
    const rng = seededRandom(`reid-noise-${cellsPerQuery}`);
    const alpha = alphaForCell(RULES.costPerCell);
    const labs = 3;
    const versions = fx.versions.slice(0, 2).map((v) => v.versionId);
    let logLr = 0;
    let approved = 0;
    let cellsAnswered = 0;
    let refusedWith = "";
    const shares: string[] = [];
    while (cellsAnswered + cellsPerQuery <= sites.length) {
      try {
        await requestQuery(members[0]!.c, { versions, purpose: HMB, variantKeys: variantList(cellsPerQuery) });
      } catch (err) {
        refusedWith = /Genomics\w+/.exec(String((err as Error).message))?.[0] ?? String(err);
        if (refusedWith === "GenomicsRequesterShareExhausted" && members.length > 1) {
          shares.push(refusedWith);
          members.shift();
          continue;
        }
        break;
      }
      approved++;
      for (const s of sites.slice(cellsAnswered, cellsAnswered + cellsPerQuery)) {
        let noise = 0;
        for (let l = 0; l < labs; l++) noise += noiseShare(alpha, labs, rng);
        const noisy = s.acWith + noise;
        const observed = noisy < RULES.minCellCount ? null : noisy;
        const max = s.acWith + 400;
        logLr +=
          logLikelihood(countTable(2 * (POOL - 1), s.f, s.target, max), observed, alpha, RULES.minCellCount) -
          logLikelihood(countTable(2 * POOL, s.f, 0, max), observed, alpha, RULES.minCellCount);
      }
      cellsAnswered += cellsPerQuery;
    }
    return { approved, cellsAnswered, confidence: posterior(logLr), refusedWith, shares };
  }

  it("stops two colluding membership-query attackers with the budget before they are confident (one variant per query)", async function () {
    const fx = await loadGenomics();
    const r = await attack(fx, 1);
    console.log(
      `      MedChain, 1 variant per query, two colluding members: ${r.approved} queries approved, then refused (${r.refusedWith}); confidence reached ${(100 * r.confidence).toFixed(2)}%`,
    );
    // The first member ran out of its share (half the budget), the second of the datasets' budget.
    expect(r.shares).to.deep.equal(["GenomicsRequesterShareExhausted"]);
    expect(r.refusedWith).to.equal("GenomicsBudgetExhausted");
    expect(r.approved).to.equal(Number(RULES.budget / (RULES.costPerQuery + RULES.costPerCell)));
    expect(r.confidence).to.be.below(0.9);
  });

  it("stops attackers who pack their queries too (40 variants per query)", async function () {
    const fx = await loadGenomics();
    const r = await attack(fx, 40);
    console.log(
      `      MedChain, 40 variants per query, two colluding members: ${r.approved} queries (${r.cellsAnswered} variants) approved, then refused (${r.refusedWith}); confidence reached ${(100 * r.confidence).toFixed(2)}%`,
    );
    expect(r.shares).to.deep.equal(["GenomicsRequesterShareExhausted"]);
    expect(r.refusedWith).to.equal("GenomicsBudgetExhausted");
    expect(r.cellsAnswered).to.be.below(200);
    expect(r.confidence).to.be.below(0.9);
  });
});
