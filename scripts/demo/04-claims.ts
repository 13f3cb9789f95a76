import { mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { ClaimsOnRegistryModule } from "../../ignition/modules/Claims.js";
import { leafOfPair } from "../../src/chain/merkle-leaf.js";
import { NO_BATCH } from "../../src/records/merkle.js";
import { carcText } from "../../src/claims/carc.js";
import { fromTokenUnits, patientReference, toFhirDate } from "../../src/claims/codes.js";
import type { ClaimsConnection } from "../../src/claims/connect.js";
import type { DocumentationArgs } from "../../src/claims/engine.js";
import { formatEob } from "../../src/claims/fhir-response.js";
import {
  enrolPatient,
  fundEscrow,
  providerRemittance,
  publishPlan,
  settleClaims,
  submitFhirClaim,
  withdrawCredit,
  writeEob,
} from "../../src/claims/operations.js";
import { DEMO_INSURANCE_CARD, type Chapter } from "./story.js";

/** What chapter 2 leaves for billing: the billing documentation leaf of hospital B's visit record. */
type RecordForClaims = DocumentationArgs & { patientRef: string };

const CPT = "http://www.ama-assn.org/go/cpt";
/** The invented patient's id at the insurer and the member secret on her insurance card. */
const { patientId: PATIENT_ID, memberSecret: MEMBER_SECRET } = DEMO_INSURANCE_CARD;

/** The plan Commonwealth Health Mutual publishes (the same JSON an insurer gives `claims publish-plan`). */
function demoPlan(effectiveFrom: string) {
  return {
    effectiveFrom,
    deductible: "200.00",
    copay: "15.00",
    coinsurancePercent: 20,
    outOfPocketMax: "3000.00",
    annualLimit: "50000.00",
    reviewThreshold: "5000.00",
    reviewWindowDays: 7,
    appealWindowDays: 30,
    codes: [
      { system: CPT, code: "99214", feePerUnit: "180.00", unitCap: 1 },
      { system: CPT, code: "80053", feePerUnit: "35.00", unitCap: 2 },
      { system: CPT, code: "71046", feePerUnit: "220.00", unitCap: 1 },
      { system: CPT, code: "97110", feePerUnit: "60.00", unitCap: 4 },
    ],
  };
}

/** Hospital B's bill for the visit, as its billing system exports it (FHIR R4 Claim, invented data). */
function visitClaim(date: string, items: Array<[string, number, string]>) {
  return {
    resourceType: "Claim",
    status: "active",
    type: { coding: [{ system: "http://terminology.hl7.org/CodeSystem/claim-type", code: "professional" }] },
    use: "claim",
    patient: { reference: PATIENT_ID },
    created: date,
    provider: { reference: "Organization/lakeview-university-hospital" },
    insurer: { reference: "Organization/commonwealth-health-mutual" },
    priority: { coding: [{ code: "normal" }] },
    insurance: [{ sequence: 1, focal: true, coverage: { reference: "Coverage/demo" } }],
    item: items.map(([code, units, net], i) => ({
      sequence: i + 1,
      productOrService: { coding: [{ system: CPT, code }] },
      servicedDate: date,
      quantity: { value: units },
      net: { value: Number(net), currency: "USD" },
    })),
  };
}

/** Chapter 4: hospital B bills the insurer for the visit; adjudicated and paid in the same minute. */
export const claimsChapter: Chapter = async (story) => {
  const { connection, cast } = story;
  const { ethers } = connection;
  story.chapter("Hospital B bills the insurer; the claim is settled in the same minute");
  const registry = story.contracts.registry!;

  const token = await ethers.deployContract("TestStablecoin");
  story.say(`A test stablecoin stands in for the consortium's settlement token (TESTUSD, worthless, 6 decimals).`);

  const fromRecords = (story.contracts as { records?: { getAddress(): Promise<string> } }).records;
  const documented = story.facts.recordsForClaims as RecordForClaims | undefined;
  let recordRegistry: string;
  let record: RecordForClaims;
  if (fromRecords !== undefined && documented !== undefined) {
    recordRegistry = await fromRecords.getAddress();
    record = documented;
    story.say(`Claims check documentation against the real record registry from chapter 2 (${recordRegistry}).`);
  } else {
    const mock = await ethers.deployContract("MockRecordVerifier");
    recordRegistry = await mock.getAddress();
    const billingRef = patientReference(PATIENT_ID, MEMBER_SECRET);
    record = {
      commitment: ethers.id("demo visit record (invented)"),
      batchRoot: NO_BATCH,
      proof: [],
      patientRef: billingRef,
    };
    const billingLeaf = leafOfPair(billingRef, record.commitment);
    await (await mock.setRecord(story.memberIds.hospitalB!, billingLeaf, 1)).wait();
    story.say(
      "The records chapter is not part of this build, so a TEST-ONLY MockRecordVerifier stands in for the record " +
        "registry; it vouches for exactly one invented visit record, as if hospital B had anchored it.",
    );
  }

  const {
    plans: plansDeployed,
    engine: engineDeployed,
    vault: vaultDeployed,
  } = await connection.ignition.deploy(ClaimsOnRegistryModule, {
    parameters: {
      ClaimsOnRegistry: { registry: await registry.getAddress(), token: await token.getAddress(), recordRegistry },
    },
    displayUi: false,
  });
  const plans = await ethers.getContractAt("ClaimsPlans", await plansDeployed.getAddress());
  const engine = await ethers.getContractAt("ClaimsEngine", await engineDeployed.getAddress());
  const vault = await ethers.getContractAt("SettlementVault", await vaultDeployed.getAddress());
  story.contracts.claimsPlans = plans;
  story.contracts.claimsEngine = engine;
  story.say(
    `The claims module is deployed: plan book ${await plans.getAddress()}, claims engine ${await engine.getAddress()} ` +
      `and the settlement vault it created, ${await vault.getAddress()}, the only contract that holds the money.`,
  );

  const as = (signer: typeof cast.insurer): ClaimsConnection => ({
    engine: engine.connect(signer),
    vault: vault.connect(signer),
    plans: plans.connect(signer),
    token: token.connect(signer) as never,
    decimals: 6,
    chainId: 31337n,
    signerAddress: signer.address,
  });
  const insurer = as(cast.insurer);
  const hospitalB = as(cast.hospitalB);
  const work = path.join(tmpdir(), "medchain-demo-claims");
  await mkdir(work, { recursive: true });

  const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
  const today = toFhirDate(now);
  const planFile = path.join(work, "plan.json");
  await writeFile(planFile, JSON.stringify(demoPlan(toFhirDate(now - 365n * 86_400n)), null, 2));
  const { planId } = await publishPlan(insurer, planFile);
  story.say(
    `Commonwealth Health Mutual publishes plan ${planId}: deductible 200, copay 15 per service, 20% coinsurance, out-of-pocket maximum 3,000.`,
  );

  await (await token.mint(cast.insurer.address, 100_000_000_000n)).wait();
  await fundEscrow(insurer, "50000.00");
  story.say("The insurer puts 50,000 TESTUSD into escrow: anyone can see it can pay its claims.");

  const year = new Date(Number(now) * 1000).getUTCFullYear();
  const { patientRef } = await enrolPatient(insurer, {
    planId,
    patientId: PATIENT_ID,
    secret: MEMBER_SECRET,
    start: `${year}-01-01`,
    end: `${year}-12-31`,
  });
  story.say(
    `The insurer enrols the patient for ${year}. On chain the patient is only ${patientRef.slice(0, 12)}…, a keyed hash; no name.`,
  );

  const claimFile = path.join(work, "visit-claim.json");
  await writeFile(
    claimFile,
    JSON.stringify(
      visitClaim(today, [
        ["99214", 1, "240.00"],
        ["80053", 2, "90.00"],
        ["71046", 1, "310.00"],
      ]),
      null,
      2,
    ),
  );
  const submitted = await submitFhirClaim(hospitalB, {
    file: claimFile,
    planId,
    secret: MEMBER_SECRET,
    documentation: record,
  });
  const submittedAt = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
  const first = submitted.view;
  story.say(
    `Hospital B's billing office runs \`claims submit --fhir visit-claim.json\`: claim ${first.claimId} for a visit, ` +
      `a blood panel and a chest X-ray. It cites the visit record's billing leaf, which hospital B anchored bound to this ` +
      `patient's claims reference. The contract checks coverage, duplicates and that documentation, then adjudicates ` +
      `every line at once: ${first.status}, the plan pays ${fromTokenUnits(first.planPays, 6)} TESTUSD. No claims event ` +
      `names the record, so nobody can join the claim to the record's consents and accesses.`,
  );

  await settleClaims(insurer, {
    ids: [first.claimId],
    batchSize: 50,
    journal: path.join(work, `settle-${Date.now()}.journal`),
  });
  const before = await token.balanceOf(cast.hospitalB.address);
  await withdrawCredit(hospitalB);
  const paidAt = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
  const received = (await token.balanceOf(cast.hospitalB.address)) - before;
  story.say(
    `The insurer settles its approved claims in one transaction and hospital B withdraws ${fromTokenUnits(received, 6)} TESTUSD: ` +
      `${paidAt - submittedAt} seconds after submitting, not weeks.`,
  );

  const eobFile = path.join(work, `eob-${first.claimId}.json`);
  const eobText = await writeEob(insurer, first.claimId, eobFile, claimFile);
  story.say(
    `The explanation of benefit (\`claims eob ${first.claimId}\`; FHIR ClaimResponse + ExplanationOfBenefit in ${eobFile}):`,
  );
  console.log(eobText.replace(/^/gm, "        "));

  const duplicate = await submitFhirClaim(hospitalB, {
    file: claimFile,
    planId,
    secret: MEMBER_SECRET,
    documentation: record,
  });
  story.say(
    `Hospital B's system sends the same bill again. Claim ${duplicate.view.claimId} is rejected: CARC ${duplicate.view.reason} ` +
      `(${carcText(duplicate.view.reason)}), it repeats claim ${duplicate.view.earlierClaim}. Nothing is paid twice.`,
  );

  const yesterday = toFhirDate(now - 86_400n);
  const reuseFile = path.join(work, "second-visit-claim.json");
  await writeFile(reuseFile, JSON.stringify(visitClaim(yesterday, [["99214", 1, "240.00"]]), null, 2));
  const reused = await submitFhirClaim(hospitalB, {
    file: reuseFile,
    planId,
    secret: MEMBER_SECRET,
    documentation: record,
  });
  story.say(
    `A bill for another day cites the same visit record. Claim ${reused.view.claimId} is rejected: CARC ${reused.view.reason}: ` +
      `the record already documents claim ${reused.view.earlierClaim}. One record documents one accepted claim.`,
  );

  const phantomFile = path.join(work, "unrecorded-claim.json");
  await writeFile(phantomFile, JSON.stringify(visitClaim(today, [["97110", 4, "320.00"]]), null, 2));
  const unrecorded = {
    commitment: ethers.id("physiotherapy session that never happened"),
    batchRoot: NO_BATCH,
    proof: [],
  };
  const phantom = await submitFhirClaim(hospitalB, {
    file: phantomFile,
    planId,
    secret: MEMBER_SECRET,
    documentation: unrecorded,
  });
  story.say(
    `A bill for four physiotherapy sessions cites a record nobody anchored. Claim ${phantom.view.claimId} is rejected: ` +
      `CARC ${phantom.view.reason} (${carcText(phantom.view.reason)}). Phantom billing stops at the contract.`,
  );
  console.log(formatEob(phantom.view, { decimals: 6, insurerId: story.memberIds.insurer! }).replace(/^/gm, "        "));

  story.say("Hospital B's remittance advice (`claims remittance`, in the spirit of an X12 835):");
  console.log((await providerRemittance(hospitalB, story.memberIds.hospitalB!)).trimEnd().replace(/^/gm, "        "));
};
