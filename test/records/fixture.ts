import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { NetworkHelpers } from "@nomicfoundation/hardhat-network-helpers/types";
import type { TypedDataDomain, Wallet } from "ethers";

import type { ERC1271WalletMock, RecordRegistry } from "../../typechain-types/index.js";
import { admit, deployConsortium, type ConsortiumFixture } from "../helpers/consortium.js";
import { patientAccountFor, PURPOSES, recordsDomain, type ConsentTerms } from "../../src/records/consent.js";
import { CATEGORIES } from "../../src/records/categories.js";
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
  const records = await ethers.deployContract("RecordRegistry", [await fx.registry.getAddress()]);
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
