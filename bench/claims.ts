import {
  CODES,
  DAY,
  PLAN_RULES,
  THREE_LINES,
  deployClaims,
  docCommitment,
  patient,
  planTerms,
  usd,
} from "../test/claims/fixture.js";
import { NO_BATCH, type DocumentationArgs } from "../src/claims/engine.js";
import { buildBatch, recordLeaf } from "../src/records/merkle.js";
import { gasOf } from "./measure.js";
import type { Bench } from "./types.js";

/**
 * Gas of the claims module's hot paths, with documentation checked against the real RecordRegistry.
 * `claims.submit.3lines` is a patient's claim after their first decided one in the coverage period
 * (the steady state); `…firstInPeriod` is the first (it opens the period's totals slot);
 * `…batchedRecord` cites a documentation leaf inside a batch of 1,000 (a Merkle proof of 10 hashes).
 * A provider's very first claim ever also numbers the provider; the bench warms that up first.
 */
export const claimsBench: Bench = async ({ ethers }) => {
  const fx = await deployClaims(ethers, { realRecords: true });
  const { engine, plans, vault, insurer, hospital } = fx;
  const registry = fx.recordRegistry!.connect(hospital);
  let n = 0;
  /** A billing documentation leaf for `patientRef`, anchored alone by the hospital. */
  const documented = async (patientRef: string): Promise<DocumentationArgs> => {
    const commitment = docCommitment(`bench ${n++}`);
    await (await registry.anchor(recordLeaf(patientRef, commitment), 1)).wait();
    return { commitment, batchRoot: NO_BATCH, proof: [] };
  };
  const claim = async (lines: typeof THREE_LINES, overrides: Parameters<typeof fx.claim>[1] = {}) =>
    fx.claim(lines, { ...overrides, documentation: await documented(overrides.patientRef ?? patient(1)) });

  // Warm-up: the provider's very first claim also numbers the provider and starts the claim counter.
  await gasOf(engine.connect(hospital).submit(await claim(THREE_LINES)));
  const submit = await gasOf(engine.connect(hospital).submit(await claim(THREE_LINES, { serviceDate: fx.now - DAY })));
  const firstInPeriod = await gasOf(
    engine.connect(hospital).submit(await claim(THREE_LINES, { patientRef: patient(2) })),
  );

  // A batch of 1,000 billing documentation leaves `ofPair(patientRef, docCommitment)`, one of them patient 1's.
  const commitments = Array.from({ length: 1000 }, (_, i) => docCommitment(`bench batched ${i}`));
  const batch = buildBatch(
    commitments.map((c, i): [string, string] => [i === 500 ? patient(1) : ethers.id(`p${i}`), c]),
  );
  await (await registry.anchorBatch(batch.root, 1000, 1)).wait();
  const batched = await gasOf(
    engine.connect(hospital).submit(
      fx.claim(THREE_LINES, {
        serviceDate: fx.now - 3n * DAY,
        documentation: { commitment: commitments[500]!, batchRoot: batch.root, proof: batch.proofs[500]! },
      }),
    ),
  );

  const surgery = [{ code: CODES.surgery, units: 1n, charged: usd(9000) }];
  const pendingTx = await (
    await engine.connect(hospital).submit(await claim(surgery, { patientRef: patient(2) }))
  ).wait();
  const pendingId = engine.interface.parseLog(pendingTx!.logs.at(-1)!)!.args.claimId as bigint;
  const { claimDetails } = await import("../src/claims/engine.js");
  const approve = await gasOf(engine.connect(insurer).approve(pendingId, await claimDetails(engine, pendingId)));

  // 50 approved one-line claims (one patient, 50 service days) on a plan without deductible or review.
  const bulkTerms = {
    ...planTerms(fx.now - 400n * DAY),
    deductible: 0n,
    annualLimit: usd(10_000_000),
    reviewThreshold: usd(1_000_000),
  };
  await plans.connect(insurer).publishPlan(bulkTerms, PLAN_RULES);
  const bulkPlan = await plans.planCount();
  const bulkStart = fx.now - 60n * DAY;
  await plans.connect(insurer).enrol(bulkPlan, patient(3), bulkStart, fx.now + 300n * DAY);
  const ids: bigint[] = [];
  for (let d = 0n; d < 50n; d++) {
    const input = await claim([{ code: CODES.xray, units: 1n, charged: usd(250) }], {
      planId: bulkPlan,
      patientRef: patient(3),
      coverageStart: bulkStart,
      serviceDate: fx.now - d * DAY,
    });
    const receipt = await (await engine.connect(hospital).submit(input)).wait();
    ids.push(engine.interface.parseLog(receipt!.logs.at(-1)!)!.args.claimId as bigint);
  }
  const settle50 = await gasOf(engine.connect(insurer).settle(ids));
  const withdraw = await gasOf(vault.connect(hospital).withdraw());
  const fund = await gasOf(vault.connect(insurer).fund(usd(1000)));

  return [
    { operation: "claims.submit.3lines", gas: submit, target: 250_000n },
    // Informational: the period's first decided claim writes its totals slot (zero to non-zero).
    { operation: "claims.submit.3lines.firstInPeriod", gas: firstInPeriod },
    // Informational: the proof of a leaf in a batch of 1,000 adds ~10k gas (calldata and hashing).
    { operation: "claims.submit.3lines.batchedRecord", gas: batched },
    { operation: "claims.approve", gas: approve },
    { operation: "claims.settle.batch50 (per claim)", gas: settle50 / 50n, target: 20_000n },
    { operation: "claims.withdraw", gas: withdraw },
    { operation: "claims.fund", gas: fund },
  ];
};
