import hre from "hardhat";
import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { keccak256, parseUnits, toUtf8Bytes } from "ethers";

import type {
  ClaimsEngine,
  ClaimsPlans,
  MockRecordVerifier,
  RecordRegistry,
  TestStablecoin,
} from "../../typechain-types/index.js";
import { admit, deployConsortium, type ConsortiumFixture } from "../helpers/consortium.js";
import { leafOfPair } from "../../src/chain/merkle-leaf.js";
import { patientReference, serviceCode } from "../../src/claims/codes.js";
import type { ClaimInputArgs, LineArgs } from "../../src/claims/engine.js";

export const DAY = 86_400n;

/**
 * The claims tests' chain: the default network. Under `--coverage` only, without the 24 KB
 * code-size limit, because instrumentation nearly doubles the engine's bytecode (18 KB -> 34 KB);
 * plain `npm test` (and the demo and bench) deploy under the real limit.
 */
export const CLAIMS_TEST_NETWORK = (hre.globalOptions as { coverage?: boolean }).coverage
  ? ({ override: { allowUnlimitedContractSize: true } } as const)
  : {};
/** Test token amounts: 6 decimals. */
export const usd = (v: string | number): bigint => parseUnits(String(v), 6);

const SYSTEM = "urn:medchain:test-codes";
/** The fixture plan's service codes (invented local codes). */
export const CODES = {
  office: serviceCode(SYSTEM, "OFFICE"),
  xray: serviceCode(SYSTEM, "XRAY"),
  lab: serviceCode(SYSTEM, "LABPANEL"),
  mri: serviceCode(SYSTEM, "MRI"),
  surgery: serviceCode(SYSTEM, "SURGERY"),
  cosmetic: serviceCode(SYSTEM, "COSMETIC"),
  unknown: serviceCode(SYSTEM, "NOT-IN-SCHEDULE"),
};

/** The fixture plan: deductible 500, copay 20 per line, 20% coinsurance, OOP max 1,500, limit 10,000. */
export function planTerms(effectiveFrom: bigint) {
  return {
    effectiveFrom,
    coinsuranceBps: 2000,
    reviewWindow: 7n * DAY,
    appealWindow: 30n * DAY,
    deductible: usd(500),
    copay: usd(20),
    oopMax: usd(1500),
    annualLimit: usd(10000),
    reviewThreshold: usd(5000),
  };
}

export const PLAN_RULES = [
  { code: CODES.office, feePerUnit: usd(100), unitCap: 2, excluded: false, needsAuth: false },
  { code: CODES.xray, feePerUnit: usd(250), unitCap: 1, excluded: false, needsAuth: false },
  { code: CODES.lab, feePerUnit: usd(40), unitCap: 10, excluded: false, needsAuth: false },
  { code: CODES.mri, feePerUnit: usd(1200), unitCap: 0, excluded: false, needsAuth: true },
  { code: CODES.surgery, feePerUnit: usd(8000), unitCap: 0, excluded: false, needsAuth: false },
  { code: CODES.cosmetic, feePerUnit: 0n, unitCap: 0, excluded: true, needsAuth: false },
];

/** The billing documentation leaf a claim for `patientRef` citing `docCommitment` needs (`MerkleLeaf.ofPair`). */
export const billingLeaf = (patientRef: string, docCommitment: string): string => leafOfPair(patientRef, docCommitment);

/** An invented patient's pseudonymous reference (never a name). */
export const patient = (n: number): string => patientReference(`TEST-PATIENT-${n}`, "0x" + "ab".repeat(16));

export interface ClaimsFixture extends ConsortiumFixture {
  plans: ClaimsPlans;
  engine: ClaimsEngine;
  token: TestStablecoin;
  verifier: MockRecordVerifier;
  /** The real record registry, when the fixture was asked for it (the engine then checks records there). */
  recordRegistry?: RecordRegistry;
  hospital: HardhatEthersSigner;
  hospitalId: string;
  hospital2: HardhatEthersSigner;
  hospital2Id: string;
  lab: HardhatEthersSigner;
  labId: string;
  insurer: HardhatEthersSigner;
  insurerId: string;
  insurer2: HardhatEthersSigner;
  insurer2Id: string;
  outsider: HardhatEthersSigner;
  planId: bigint;
  coverageStart: bigint;
  coverageEnd: bigint;
  now: bigint;
  record: string;
  /** A claim by `hospital` for patient 1 on `serviceDate`, documented by `record`. */
  claim(lines: LineArgs[], overrides?: Partial<ClaimInputArgs>): ClaimInputArgs;
}

/**
 * The claims module on a fresh consortium: two hospitals, a lab, two insurers, an outsider; the
 * fixture plan published by `insurer`, patients 1-3 enrolled for a year that began 30 days ago,
 * 100,000 TESTUSD in escrow, and one record anchored by `hospital`.
 */
export async function deployClaims(
  ethers: HardhatEthers,
  options: { realRecords?: boolean } = {},
): Promise<ClaimsFixture> {
  const consortium = await deployConsortium(ethers);
  const [hospital, hospital2, lab, insurer, insurer2, outsider] = consortium.spare as [
    HardhatEthersSigner,
    HardhatEthersSigner,
    HardhatEthersSigner,
    HardhatEthersSigner,
    HardhatEthersSigner,
    HardhatEthersSigner,
  ];
  const hospitalId = await admit(consortium, "T-HOSP-1", ["Hospital"], hospital);
  const hospital2Id = await admit(consortium, "T-HOSP-2", ["Hospital"], hospital2);
  const labId = await admit(consortium, "T-LAB-1", ["Laboratory"], lab);
  const insurerId = await admit(consortium, "T-INS-1", ["Insurer"], insurer);
  const insurer2Id = await admit(consortium, "T-INS-2", ["Insurer"], insurer2);

  const token = await ethers.deployContract("TestStablecoin");
  const verifier = await ethers.deployContract("MockRecordVerifier");
  const recordRegistry = options.realRecords
    ? await ethers.deployContract("RecordRegistry", [await consortium.registry.getAddress()])
    : undefined;
  const plans = await ethers.deployContract("ClaimsPlans", [await consortium.registry.getAddress()]);
  const engine = await ethers.deployContract("ClaimsEngine", [
    await consortium.registry.getAddress(),
    await plans.getAddress(),
    await (recordRegistry ?? verifier).getAddress(),
    await token.getAddress(),
  ]);

  const block = await ethers.provider.getBlock("latest");
  const now = BigInt(block!.timestamp);
  await plans.connect(insurer).publishPlan(planTerms(now - 400n * DAY), PLAN_RULES);
  const planId = await plans.planCount();
  const coverageStart = now - 30n * DAY;
  const coverageEnd = coverageStart + 365n * DAY;
  for (const n of [1, 2, 3]) await engine.connect(insurer).enrol(planId, patient(n), coverageStart, coverageEnd);

  for (const who of [insurer, insurer2]) {
    await token.mint(who.address, usd(1_000_000));
    await token.connect(who).approve(await engine.getAddress(), usd(1_000_000));
  }
  await engine.connect(insurer).fund(usd(100_000));

  // The documenting record's billing leaves for patients 1-3, as the records module anchors them.
  const record = keccak256(toUtf8Bytes("fixture record commitment 1"));
  for (const n of [1, 2, 3]) {
    await verifier.setRecord(hospitalId, billingLeaf(patient(n), record), 1);
    if (recordRegistry !== undefined) await recordRegistry.connect(hospital).anchor(billingLeaf(patient(n), record), 1);
  }

  const serviceDate = now - 2n * DAY;
  const claim = (lines: LineArgs[], overrides: Partial<ClaimInputArgs> = {}): ClaimInputArgs => ({
    patientRef: patient(1),
    planId,
    serviceDate,
    diagnosisCommitment: keccak256(toUtf8Bytes("salted diagnosis commitment")),
    recordCommitment: record,
    recordBatchId: 0n,
    recordProof: [],
    lines,
    ...overrides,
  });

  return {
    ...consortium,
    plans,
    engine,
    token,
    verifier,
    recordRegistry,
    hospital,
    hospitalId,
    hospital2,
    hospital2Id,
    lab,
    labId,
    insurer,
    insurerId,
    insurer2,
    insurer2Id,
    outsider,
    planId,
    coverageStart,
    coverageEnd,
    now,
    record,
    claim,
  };
}

/** The three-line claim of the first worked example. */
export const THREE_LINES: LineArgs[] = [
  { code: CODES.office, units: 2n, charged: usd(250) },
  { code: CODES.xray, units: 1n, charged: usd(400) },
  { code: CODES.lab, units: 10n, charged: usd(500) },
];
