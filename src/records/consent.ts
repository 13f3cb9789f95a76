import {
  concat,
  getBytes,
  isHexString,
  keccak256,
  toUtf8Bytes,
  Wallet,
  AbiCoder,
  type TypedDataDomain,
  type TypedDataField,
} from "ethers";

import { MedChainError } from "../chain/errors.js";

/** Purposes of use (HL7 v3 PurposeOfUse), in the order of the contract's `Purpose` enum. */
export const PURPOSES = { TREAT: 1, ETREAT: 2, HPAYMT: 3, HRESCH: 4 } as const;
export type PurposeName = keyof typeof PURPOSES;

export function parsePurpose(value: string): number {
  const code = PURPOSES[value.toUpperCase() as PurposeName];
  if (code === undefined) {
    throw new MedChainError(`--purpose: unknown purpose "${value}" (expected ${Object.keys(PURPOSES).join(", ")})`);
  }
  return code;
}

export function purposeName(code: number | bigint): string {
  return Object.entries(PURPOSES).find(([, c]) => c === Number(code))?.[0] ?? `purpose ${code}`;
}

/** A consent's terms, as the contract's `ConsentTerms` struct. */
export interface ConsentTerms {
  /** The patient's account at the custodian (see `patientAccountFor`). */
  patient: string;
  /** The member holding the records (their issuer): the consent reaches only its records of `patient`. */
  custodian: string;
  grantee: string;
  purpose: number;
  categories: bigint;
  recordsRoot: string;
  validFrom: bigint;
  validUntil: bigint;
  nonce: bigint;
}

export const CONSENT_TYPES: Record<string, TypedDataField[]> = {
  Consent: [
    { name: "patient", type: "address" },
    { name: "custodian", type: "bytes32" },
    { name: "grantee", type: "bytes32" },
    { name: "purpose", type: "uint8" },
    { name: "categories", type: "uint256" },
    { name: "recordsRoot", type: "bytes32" },
    { name: "validFrom", type: "uint64" },
    { name: "validUntil", type: "uint64" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};
export const REVOCATION_TYPES: Record<string, TypedDataField[]> = {
  Revocation: [
    { name: "consentId", type: "bytes32" },
    { name: "deadline", type: "uint256" },
  ],
};
export const GUARDIAN_TYPES: Record<string, TypedDataField[]> = {
  Guardian: [
    { name: "patient", type: "address" },
    { name: "guardian", type: "address" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};

/** The EIP-712 domain of a RecordRegistry (version 2: consents name their custodian). */
export function recordsDomain(chainId: bigint, registry: string): TypedDataDomain {
  return { name: "MedChain RecordRegistry", version: "2", chainId, verifyingContract: registry };
}

/** A consent's id: `keccak256(abi.encode(terms))`, as the contract computes it. */
export function consentIdOf(terms: ConsentTerms): string {
  return keccak256(
    AbiCoder.defaultAbiCoder().encode(
      ["tuple(address,bytes32,bytes32,uint8,uint256,bytes32,uint64,uint64,uint256)"],
      [
        [
          terms.patient,
          terms.custodian,
          terms.grantee,
          terms.purpose,
          terms.categories,
          terms.recordsRoot,
          terms.validFrom,
          terms.validUntil,
          terms.nonce,
        ],
      ],
    ),
  );
}

/** Anything that signs EIP-712 typed data (an ethers Wallet or signer). */
export interface TypedSigner {
  signTypedData(
    domain: TypedDataDomain,
    types: Record<string, TypedDataField[]>,
    value: Record<string, unknown>,
  ): Promise<string>;
}

/** The patient's (or guardian's) signature granting `terms`, valid for submission until `deadline`. */
export function signConsent(
  signer: TypedSigner,
  domain: TypedDataDomain,
  terms: ConsentTerms,
  deadline: bigint,
): Promise<string> {
  return signer.signTypedData(domain, CONSENT_TYPES, { ...terms, deadline });
}

/** The patient's (or guardian's) signature revoking the consent `terms`. */
export function signRevocation(
  signer: TypedSigner,
  domain: TypedDataDomain,
  terms: ConsentTerms,
  deadline: bigint,
): Promise<string> {
  return signer.signTypedData(domain, REVOCATION_TYPES, { consentId: consentIdOf(terms), deadline });
}

/** The patient account's signature naming `guardian`. */
export function signGuardian(
  signer: TypedSigner,
  domain: TypedDataDomain,
  patient: string,
  guardian: string,
  nonce: bigint,
  deadline: bigint,
): Promise<string> {
  return signer.signTypedData(domain, GUARDIAN_TYPES, { patient, guardian, nonce, deadline });
}

const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/**
 * The patient's account at one hospital (the issuer of their records there), derived from the
 * patient's 32-byte secret: `keccak256("medchain.patient-account.v1" || secret || issuerMemberId)` as a
 * private key. The hospital binds the patient's records to this account at anchoring, and the patient
 * signs consents to those records with it. Every hospital knows a different, unlinkable account, so
 * records and consents at two hospitals cannot be grouped by anyone without the secret; the patient's
 * app re-derives them all from the one secret.
 */
export function patientAccountFor(patientSecret: string, issuerMemberId: string): Wallet {
  if (!isHexString(patientSecret, 32)) {
    throw new MedChainError("patient secret: must be 32 bytes of hex (0x + 64 digits)");
  }
  if (!isHexString(issuerMemberId, 32)) throw new MedChainError(`hospital: "${issuerMemberId}" is not a member id`);
  let key = keccak256(concat([toUtf8Bytes("medchain.patient-account.v1"), patientSecret, issuerMemberId]));
  // Rejection sampling: a hash at or above the curve order (probability ~2^-128) is hashed again.
  while (BigInt(key) === 0n || BigInt(key) >= SECP256K1_N) key = keccak256(getBytes(key));
  return new Wallet(key);
}
