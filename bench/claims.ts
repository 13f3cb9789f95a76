import { CODES, DAY, PLAN_RULES, THREE_LINES, deployClaims, patient, planTerms, usd } from "../test/claims/fixture.js";
import { buildBatch } from "../src/records/merkle.js";
import { gasOf } from "./measure.js";
import type { Bench } from "./types.js";

/**
 * Gas of the claims module's hot paths. `claims.submit.3lines` is a patient's claim after their
 * first in the coverage period; `claims.submit.3lines.firstInPeriod` is the first (enrolment opened
 * the accumulator slot, so both cost the same). A provider's very first claim ever also numbers the
 * provider; the bench warms that up first. Documentation is checked against the real RecordRegistry:
 * `claims.submit.3lines` cites a record anchored on its own, `…batchedRecord` one inside a batch of
 * 1,000 (a Merkle proof of 10 hashes).
 */
export const claimsBench: Bench = async ({ ethers }) => {
  const fx = await deployClaims(ethers, { realRecords: true });
  const { engine, plans, insurer, hospital } = fx;

  // Warm-up: the provider's very first claim also numbers the provider and starts the claim counter.
  await gasOf(engine.connect(hospital).submit(fx.claim(THREE_LINES)));
  const submit = await gasOf(engine.connect(hospital).submit(fx.claim(THREE_LINES, { serviceDate: fx.now - DAY })));
  const firstInPeriod = await gasOf(engine.connect(hospital).submit(fx.claim(THREE_LINES, { patientRef: patient(2) })));

  // A batch of 1,000 billing documentation leaves `ofPair(patientRef, docCommitment)`, one of them patient 1's.
  const commitments = Array.from({ length: 1000 }, (_, i) => ethers.id(`bench batched record ${i}`));
  const batch = buildBatch(
    commitments.map((c, i): [string, string] => [i === 500 ? patient(1) : ethers.id(`p${i}`), c]),
  );
  await (await fx.recordRegistry!.connect(hospital).anchorBatch(batch.root, 1000, 1)).wait();
  const batched = await gasOf(
    engine.connect(hospital).submit(
      fx.claim(THREE_LINES, {
        serviceDate: fx.now - 3n * DAY,
        recordCommitment: commitments[500]!,
        recordBatchId: BigInt(batch.root),
        recordProof: batch.proofs[500]!,
      }),
    ),
  );

  const surgery = [{ code: CODES.surgery, units: 1n, charged: usd(9000) }];
  const pendingTx = await (await engine.connect(hospital).submit(fx.claim(surgery, { patientRef: patient(2) }))).wait();
  const pendingId = engine.interface.parseLog(pendingTx!.logs.at(-1)!)!.args.claimId as bigint;
  const approve = await gasOf(engine.connect(insurer).approve(pendingId));

  // 50 approved one-line claims (one patient, 50 service days) on a plan without deductible or review.
  const bulkTerms = {
    ...planTerms(fx.now - 400n * DAY),
    deductible: 0n,
    annualLimit: usd(10_000_000),
    reviewThreshold: usd(1_000_000),
  };
  await plans.connect(insurer).publishPlan(bulkTerms, PLAN_RULES);
  const bulkPlan = await plans.planCount();
  await engine.connect(insurer).enrol(bulkPlan, patient(3), fx.now - 60n * DAY, fx.now + 300n * DAY);
  const ids: bigint[] = [];
  for (let d = 0n; d < 50n; d++) {
    const input = fx.claim([{ code: CODES.xray, units: 1n, charged: usd(250) }], {
      planId: bulkPlan,
      patientRef: patient(3),
      serviceDate: fx.now - d * DAY,
    });
    const receipt = await (await engine.connect(hospital).submit(input)).wait();
    ids.push(engine.interface.parseLog(receipt!.logs.at(-1)!)!.args.claimId as bigint);
  }
  const settle50 = await gasOf(engine.connect(insurer).settle(ids));
  const withdraw = await gasOf(engine.connect(hospital).withdraw());
  const fund = await gasOf(engine.connect(insurer).fund(usd(1000)));

  return [
    { operation: "claims.submit.3lines", gas: submit, target: 250_000n },
    { operation: "claims.submit.3lines.firstInPeriod", gas: firstInPeriod, target: 250_000n },
    // Informational: the proof of a record in a batch of 1,000 adds ~10k gas (calldata and hashing).
    { operation: "claims.submit.3lines.batchedRecord", gas: batched },
    { operation: "claims.approve", gas: approve },
    { operation: "claims.settle.batch50 (per claim)", gas: settle50 / 50n, target: 20_000n },
    { operation: "claims.withdraw", gas: withdraw },
    { operation: "claims.fund", gas: fund },
  ];
};
