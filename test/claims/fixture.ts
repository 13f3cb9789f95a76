import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { keccak256, parseUnits, toUtf8Bytes } from "ethers";

import type {
  ClaimsEngine,
  ClaimsPlans,
  MockRecordVerifier,
  RecordRegistry,
  SettlementVault,
  TestStablecoin,
} from "../../typechain-types/index.js";
import { admit, deployConsortium, type ConsortiumFixture } from "../helpers/consortium.js";
import { deployRecordRegistry } from "../helpers/records.js";
import { patientReference, serviceCode } from "../../src/claims/codes.js";
import { NO_BATCH, type ClaimInputArgs, type DocumentationArgs, type LineArgs } from "../../src/claims/engine.js";
import { buildBatch, recordLeaf, type LeafValue } from "../../src/records/merkle.js";

export const DAY = 86_400n;

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

/** An invented patient's pseudonymous reference (never a name). */
export const patient = (n: number): string => patientReference(`TEST-PATIENT-${n}`, "0x" + "ab".repeat(16));

/** An invented billing documentation commitment (in production: a salted commitment to the record). */
export const docCommitment = (label: string): string => keccak256(toUtf8Bytes(`billing documentation ${label}`));

/** The libraries the claims engine links (as the Ignition module deploys them). */
const CLAIMS_LIBRARIES = ["ClaimSubmission", "ClaimDecisions", "ClaimAppeals", "ClaimSettlement"] as const;

/** Deploys the libraries the claims engine links and returns their addresses by name. */
export async function claimsLibraries(ethers: HardhatEthers): Promise<Record<string, string>> {
  const entries = await Promise.all(
    CLAIMS_LIBRARIES.map(async (name) => [name, await (await ethers.deployContract(name)).getAddress()] as const),
  );
  return Object.fromEntries(entries);
}

/** Documentation leaves anchored per fixture patient (one accepted claim each at a time). */
const DOCS_PER_PATIENT = 48;

export interface ClaimsFixture extends ConsortiumFixture {
  plans: ClaimsPlans;
  engine: ClaimsEngine;
  vault: SettlementVault;
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
  /** The fixture's service date: two days ago. */
  serviceDate: bigint;
  /**
   * A claim for patient 1 (or `overrides.patientRef`) on `serviceDate`, citing the next unused
   * billing documentation leaf of that patient, anchored by every fixture provider.
   */
  claim(lines: LineArgs[], overrides?: Partial<ClaimInputArgs>): ClaimInputArgs;
  /** Anchors (in the mock registry) a fresh documentation leaf for a patient, alone, as `issuerId` with `status`. */
  document(patientRef: string, issuerId: string, status?: number): Promise<DocumentationArgs>;
}

/**
 * The claims module on a fresh consortium: two hospitals, a lab, two insurers, an outsider; the
 * fixture plan published by `insurer`, patients 1-3 enrolled for a year that began 30 days ago,
 * 100,000 TESTUSD in escrow, and a batch of billing documentation leaves for patients 1-3 anchored
 * by each provider in the mock record registry.
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

  const registryAddress = await consortium.registry.getAddress();
  const token = await ethers.deployContract("TestStablecoin");
  const verifier = await ethers.deployContract("MockRecordVerifier");
  const recordRegistry = options.realRecords ? await deployRecordRegistry(ethers, registryAddress) : undefined;
  const plans = await ethers.deployContract("ClaimsPlans", [registryAddress], {
    libraries: { PlanVersions: await (await ethers.deployContract("PlanVersions")).getAddress() },
  });
  const engine = await ethers.deployContract(
    "ClaimsEngine",
    [
      registryAddress,
      await plans.getAddress(),
      await (recordRegistry ?? verifier).getAddress(),
      await token.getAddress(),
    ],
    { libraries: await claimsLibraries(ethers) },
  );
  await engine.waitForDeployment();
  const vault = await ethers.getContractAt("SettlementVault", await engine.vault());
  await plans.bindEngine(await engine.getAddress());

  const block = await ethers.provider.getBlock("latest");
  const now = BigInt(block!.timestamp);
  await plans.connect(insurer).publishPlan(planTerms(now - 400n * DAY), PLAN_RULES);
  const planId = await plans.planCount();
  const coverageStart = now - 30n * DAY;
  const coverageEnd = coverageStart + 365n * DAY;
  for (const n of [1, 2, 3]) await plans.connect(insurer).enrol(planId, patient(n), coverageStart, coverageEnd);

  for (const who of [insurer, insurer2]) {
    await token.mint(who.address, usd(1_000_000));
    await token.connect(who).approve(await vault.getAddress(), usd(1_000_000));
  }
  await vault.connect(insurer).fund(usd(100_000));

  // One batch of documentation leaves per fixture patient, anchored (in the mock) by every provider.
  const entries: LeafValue[] = [];
  for (const n of [1, 2, 3])
    for (let k = 0; k < DOCS_PER_PATIENT; k++) entries.push([patient(n), docCommitment(`${n}-${k}`)]);
  const tree = buildBatch(entries);
  for (const issuer of [hospitalId, hospital2Id, labId]) await verifier.setRecord(issuer, tree.root, 1);
  const pool = new Map<string, DocumentationArgs[]>();
  entries.forEach(([ref, commitment], i) => {
    const list = pool.get(ref) ?? [];
    list.push({ commitment, batchRoot: tree.root, proof: tree.proofs[i]! });
    pool.set(ref, list);
  });
  const used = new Map<string, number>();
  const nextDocumentation = (ref: string): DocumentationArgs => {
    const k = used.get(ref) ?? 0;
    used.set(ref, k + 1);
    const doc = pool.get(ref)?.[k];
    // A patient without anchored leaves (or out of them) cites a leaf nobody anchored.
    return doc ?? { commitment: docCommitment(`unanchored ${ref} ${k}`), batchRoot: NO_BATCH, proof: [] };
  };
  let documented = 0;
  const document = async (ref: string, issuerId: string, status = 1): Promise<DocumentationArgs> => {
    const commitment = docCommitment(`alone ${documented++}`);
    await verifier.setRecord(issuerId, recordLeaf(ref, commitment), status);
    return { commitment, batchRoot: NO_BATCH, proof: [] };
  };

  const serviceDate = now - 2n * DAY;
  const claim = (lines: LineArgs[], overrides: Partial<ClaimInputArgs> = {}): ClaimInputArgs => {
    const patientRef = overrides.patientRef ?? patient(1);
    return {
      patientRef,
      planId,
      coverageStart,
      serviceDate,
      diagnosisCommitment: keccak256(toUtf8Bytes("salted diagnosis commitment")),
      documentation: overrides.documentation ?? nextDocumentation(patientRef),
      lines,
      ...overrides,
    };
  };

  return {
    ...consortium,
    plans,
    engine,
    vault,
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
    serviceDate,
    claim,
    document,
  };
}

/** The three-line claim of the first worked example. */
export const THREE_LINES: LineArgs[] = [
  { code: CODES.office, units: 2n, charged: usd(250) },
  { code: CODES.xray, units: 1n, charged: usd(400) },
  { code: CODES.lab, units: 10n, charged: usd(500) },
];
