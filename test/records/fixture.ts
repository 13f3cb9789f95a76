import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { NetworkHelpers } from "@nomicfoundation/hardhat-network-helpers/types";
import type { Provider, TypedDataDomain, Wallet } from "ethers";

import type { ERC1271WalletMock, RecordRegistry } from "../../typechain-types/index.js";
import { admit, deployConsortium, type ConsortiumFixture } from "../helpers/consortium.js";
import { deployRecordRegistry } from "../helpers/records.js";
import {
  consentIdOf,
  patientAccountFor,
  PURPOSES,
  recordsDomain,
  type ConsentTerms,
  type TypedSigner,
} from "../../src/records/consent.js";
import { consentFileOf, consentTerms, grantConsent, type ConsentFile } from "../../src/records/consent-file.js";
import {
  GatewayClient,
  startGateway,
  type Gateway,
  type GatewayOptions,
  type RequesterSigner,
} from "../../src/records/gateway/index.js";
import {
  contractRequest,
  requestHashOf,
  signAccessRequest,
  type AccessRequest,
} from "../../src/records/access-request.js";
import { anchorRecords } from "../../src/records/anchor.js";
import { chainHead } from "../../src/records/gateway/chain-head.js";
import { CATEGORIES } from "../../src/records/categories.js";
import { loadRecords } from "../../src/records/input.js";
import { recordLeaf, subjectOfAccount } from "../../src/records/merkle.js";
import { PATIENTS_FORMAT, patientMapOf, type PatientMap } from "../../src/records/patients.js";

export const DAY = 86_400n;
/** An invented patient's secret (the patient's app holds it; never on chain). */
export const PATIENT_SECRET = "0x" + "5a".repeat(32);

export interface RecordsFixture extends ConsortiumFixture {
  records: RecordRegistry;
  domain: TypedDataDomain;
  hospitalA: HardhatEthersSigner;
  hospitalB: HardhatEthersSigner;
  lab: HardhatEthersSigner;
  insurer: HardhatEthersSigner;
  regulator: HardhatEthersSigner;
  outsider: HardhatEthersSigner;
  guardian: HardhatEthersSigner;
  walletOwner: HardhatEthersSigner;
  /** One member that is both a Hospital and a Regulator. */
  hospitalRegulator: HardhatEthersSigner;
  ids: {
    hospitalA: string;
    hospitalB: string;
    lab: string;
    insurer: string;
    regulator: string;
    hospitalRegulator: string;
  };
  /** The patient's account at hospital A, the custodian of her records there (derived from PATIENT_SECRET). */
  patientAtA: Wallet;
  /** The same patient's account at hospital B (unlinkable to `patientAtA` without the secret). */
  patientAtB: Wallet;
  /** A patient whose account is an ERC-1271 contract wallet. */
  wallet: ERC1271WalletMock;
}

/**
 * The records module's one fixture: a consortium with two hospitals, a lab, an insurer, a regulator
 * and a member that is both Hospital and Regulator, a RecordRegistry, an invented patient's
 * per-hospital accounts and an ERC-1271 wallet.
 */
export async function deployRecords(ethers: HardhatEthers): Promise<RecordsFixture> {
  const fx = await deployConsortium(ethers);
  const [hospitalA, hospitalB, lab, insurer, regulator, outsider, guardian, walletOwner, hospitalRegulator] =
    fx.spare as [
      HardhatEthersSigner,
      HardhatEthersSigner,
      HardhatEthersSigner,
      HardhatEthersSigner,
      HardhatEthersSigner,
      HardhatEthersSigner,
      HardhatEthersSigner,
      HardhatEthersSigner,
      HardhatEthersSigner,
    ];
  const ids = {
    hospitalA: await admit(fx, "REC-HOSP-A", ["Hospital"], hospitalA),
    hospitalB: await admit(fx, "REC-HOSP-B", ["Hospital"], hospitalB),
    lab: await admit(fx, "REC-LAB", ["Laboratory"], lab),
    insurer: await admit(fx, "REC-INS", ["Insurer"], insurer),
    regulator: await admit(fx, "REC-REG", ["Regulator"], regulator),
    hospitalRegulator: await admit(fx, "REC-HOSP-REG", ["Hospital", "Regulator"], hospitalRegulator),
  };
  const records = await deployRecordRegistry(ethers, await fx.registry.getAddress());
  const domain = recordsDomain((await ethers.provider.getNetwork()).chainId, await records.getAddress());
  const wallet = await ethers.deployContract("ERC1271WalletMock", [walletOwner.address]);
  return {
    ...fx,
    records,
    domain,
    hospitalA,
    hospitalB,
    lab,
    insurer,
    regulator,
    outsider,
    guardian,
    walletOwner,
    hospitalRegulator,
    ids,
    patientAtA: patientAccountFor(PATIENT_SECRET, ids.hospitalA),
    patientAtB: patientAccountFor(PATIENT_SECRET, ids.hospitalB),
    wallet,
  };
}

/** A hospital's patients file (in memory) mapping the fixtures' patient to `account`, with an optional billing reference. */
export function patientsFor(account: string, billingRef?: string, reference = FIXTURE_PATIENT): PatientMap {
  return patientMapOf(
    {
      format: PATIENTS_FORMAT,
      patients: [{ reference, account, ...(billingRef === undefined ? {} : { billingRef }) }],
    },
    "patients.json",
  );
}

/** The patient every record fixture in test/fixtures/records is about. */
export const FIXTURE_PATIENT = "Patient/demo-patient-0001";

/** The record leaf binding `commitment` to the patient account `account` (what the issuer anchors). */
export function leafFor(account: string, commitment: string): string {
  return recordLeaf(subjectOfAccount(account), commitment);
}

/**
 * Treatment-consent terms by the patient account `patient` at `custodian`, for `grantee`, over
 * observations, valid for 30 days from `now`.
 */
export function treatTerms(
  patient: string,
  custodian: string,
  grantee: string,
  now: bigint,
  over: Partial<ConsentTerms> = {},
): ConsentTerms {
  return {
    patient,
    custodian,
    grantee,
    purpose: PURPOSES.TREAT,
    categories: 1n << BigInt(CATEGORIES.observation),
    recordsRoot: "0x" + "00".repeat(32),
    validFrom: now,
    validUntil: now + 30n * DAY,
    nonce: 1n,
    ...over,
  };
}

export async function now(networkHelpers: NetworkHelpers): Promise<bigint> {
  return BigInt(await networkHelpers.time.latest());
}

/** Awaits `p`, expecting it to reject with an error whose message contains `message`; returns the error. */
export async function rejection(p: Promise<unknown>, message = ""): Promise<Error> {
  try {
    await p;
  } catch (err) {
    const text = (err as Error).message;
    if (!text.includes(message)) throw new Error(`rejected with "${text}", expected "${message}"`);
    return err as Error;
  }
  throw new Error(`resolved, expected a rejection with "${message}"`);
}

/** A record of another patient, held by hospital A (invented). */
export const OTHER_PATIENT = "Patient/demo-patient-0002";

/**
 * Hospital A's anchored export for the gateway tests: the discharge bundle's four records (an
 * encounter, two lab results, an X-ray report) and a condition of the fixtures' patient, and one
 * observation of another patient, one file each, anchored by hospital A with their proof files in
 * `<dir>.proofs`. Returns the export folder (inside `work`) and its proof folder.
 */
export async function anchorGatewayExport(
  fx: RecordsFixture,
  work: string,
  otherPatientAccount: string,
): Promise<{ dir: string; proofs: string }> {
  const dir = path.join(work, "export");
  await mkdir(dir, { recursive: true });
  const bundle = JSON.parse(await readFile("test/fixtures/records/discharge-bundle.json", "utf8")) as {
    entry: Array<{ resource: { resourceType: string; id: string } }>;
  };
  for (const { resource } of bundle.entry) {
    await writeFile(path.join(dir, `${resource.id}.json`), JSON.stringify(resource, null, 2));
  }
  const condition = {
    resourceType: "Condition",
    id: "cond-demo-0001",
    clinicalStatus: {
      coding: [{ system: "http://terminology.hl7.org/CodeSystem/condition-clinical", code: "active" }],
    },
    code: { text: "invented condition outside the consent's categories" },
    subject: { reference: FIXTURE_PATIENT },
  };
  const other = {
    resourceType: "Observation",
    id: "obs-other-patient-0001",
    status: "final",
    code: { text: "invented result of another patient" },
    subject: { reference: OTHER_PATIENT },
    valueQuantity: { value: 7.7, unit: "mmol/L" },
  };
  await writeFile(path.join(dir, "cond-demo-0001.json"), JSON.stringify(condition, null, 2));
  await writeFile(path.join(dir, "obs-other-patient-0001.json"), JSON.stringify(other, null, 2));
  const patients = patientMapOf(
    {
      format: PATIENTS_FORMAT,
      patients: [
        { reference: FIXTURE_PATIENT, account: fx.patientAtA.address },
        { reference: OTHER_PATIENT, account: otherPatientAccount },
      ],
    },
    "patients.json",
  );
  const proofs = `${dir}.proofs`;
  await anchorRecords(fx.records.connect(fx.hospitalA), await loadRecords(dir), {
    chainId: (await fx.records.runner!.provider!.getNetwork()).chainId,
    registryAddress: await fx.records.getAddress(),
    patients,
    outDir: proofs,
    salts: { kind: "random" },
  });
  return { dir, proofs };
}

/**
 * A grantee's signed access request under `terms` (EIP-712 `AccessRequest`), valid for an hour from
 * `t`, with the contract's request struct and the signature. `over` changes fields before signing.
 */
export async function signedAccessRequest(
  signer: TypedSigner & { getAddress(): Promise<string> },
  domain: TypedDataDomain,
  terms: ConsentTerms,
  t: bigint,
  over: Partial<AccessRequest> = {},
): Promise<{ request: AccessRequest; struct: ReturnType<typeof contractRequest>; signature: string }> {
  const request: AccessRequest = {
    requester: await signer.getAddress(),
    consentId: consentIdOf(terms),
    purpose: terms.purpose,
    requestHash: requestHashOf("GET", "/fhir", "0x" + "ab".repeat(32)),
    nonce: 1n,
    deadline: t + 3600n,
    ...over,
  };
  return { request, struct: contractRequest(request), signature: await signAccessRequest(signer, domain, request) };
}

/** The categories the gateway tests' consent covers: encounters, observations, diagnostic reports. */
export const COVERED =
  (1n << BigInt(CATEGORIES.encounter)) |
  (1n << BigInt(CATEGORIES.observation)) |
  (1n << BigInt(CATEGORIES.diagnosticReport));
/** The records of the fixtures' patient a TREAT consent over COVERED reaches at hospital A. */
export const COVERED_REFERENCES = [
  "DiagnosticReport/dr-demo-chest-xray",
  "Encounter/enc-demo-0002",
  "Observation/obs-demo-creatinine",
  "Observation/obs-demo-potassium",
];

/** Hospital A's anchored export and the patient's TREAT consent to hospital B over COVERED. */
export interface GatewayFixture extends RecordsFixture {
  /** The folder holding the export (kept for the whole test file). */
  work: string;
  dir: string;
  proofs: string;
  terms: ConsentTerms;
  consent: ConsentFile;
}

/** A gateway fixture with hospital A's gateway running on a free loopback port. */
export interface GatewayWorld extends GatewayFixture {
  gateway: Gateway;
  /** The gateway's state folder (fresh per world). */
  state: string;
  /** A client of the gateway (hospital B's key, the consent, the chain's clock, no retries by default). */
  client(
    over?: Partial<{ signer: RequesterSigner; consent: ConsentFile; purpose: number; retries: number }>,
  ): GatewayClient;
}

/**
 * The gateway tests' one fixture: `open()` loads the chain snapshot (deploy, anchor hospital A's
 * export, grant the consent; the export's files are written once per test file) and starts hospital
 * A's gateway with a fresh state folder; `closeGateways()` after each test, `cleanup()` after all.
 */
export function gatewayWorlds(ethers: HardhatEthers, networkHelpers: NetworkHelpers) {
  const folders: string[] = [];
  const running: Gateway[] = [];
  async function gatewayFixture(): Promise<GatewayFixture> {
    const fx = await deployRecords(ethers);
    const work = await mkdtemp(path.join(tmpdir(), "medchain-gateway-"));
    folders.push(work);
    const other = patientAccountFor("0x" + "6b".repeat(32), fx.ids.hospitalA).address;
    const { dir, proofs } = await anchorGatewayExport(fx, work, other);
    const t = await now(networkHelpers);
    const terms = consentTerms({
      patient: fx.patientAtA.address,
      custodian: fx.ids.hospitalA,
      grantee: fx.ids.hospitalB,
      purpose: PURPOSES.TREAT,
      categories: COVERED,
      from: t,
      days: 30,
    });
    await grantConsent(fx.records.connect(fx.hospitalB), fx.patientAtA, terms, t + 3600n);
    const consent = consentFileOf(terms, undefined, fx.domain.chainId as bigint, await fx.records.getAddress());
    return { ...fx, work, dir, proofs, terms, consent };
  }
  // The clients sign with the gateway's own clock (the later of the latest block and the wall clock):
  // after a fixture snapshot is restored the latest block can be minutes old on a slow run (coverage),
  // and a deadline counted from it would already have passed for the gateway.
  const clock = chainHead(ethers.provider as unknown as Provider, 0);
  const chainNow = () => clock.now();
  return {
    async open(options: Partial<GatewayOptions> = {}): Promise<GatewayWorld> {
      const fx = await networkHelpers.loadFixture(gatewayFixture);
      const state = await mkdtemp(path.join(fx.work, "state-"));
      const gateway = await startGateway({
        records: fx.records.connect(fx.hospitalA),
        source: { folder: fx.dir, proofs: fx.proofs },
        stateDir: state,
        blockCacheMs: 0, // the tests move the chain's clock
        ...options,
      });
      running.push(gateway);
      return {
        ...fx,
        gateway,
        state,
        client: (over = {}) =>
          new GatewayClient({
            gateway: gateway.url,
            consent: over.consent ?? fx.consent,
            signer: over.signer ?? fx.hospitalB,
            domain: fx.domain,
            now: chainNow,
            retries: over.retries ?? 0,
            retryDelayMs: 50,
            ...(over.purpose === undefined ? {} : { purpose: over.purpose }),
          }),
      };
    },
    async closeGateways(): Promise<void> {
      for (const g of running.splice(0)) await g.close();
    },
    async cleanup(): Promise<void> {
      for (const folder of folders.splice(0)) await rm(folder, { recursive: true, force: true });
    },
  };
}

/** One signed request as `accessByRequests` takes it (a batch of one). */
export function signedBatch(
  terms: ConsentTerms,
  reads: Array<{
    commitment: string;
    batchRoot: string;
    batchProof: string[];
    scopeBlind: string;
    scopeProof: string[];
  }>,
  request: ReturnType<typeof contractRequest>,
  signature: string,
) {
  return [{ terms, reads, request, signature }];
}
