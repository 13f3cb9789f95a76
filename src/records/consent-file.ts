import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";

import { concat, hexlify, keccak256, toUtf8Bytes, ZeroHash } from "ethers";
import { z } from "zod";

import { MedChainError } from "../chain/errors.js";
import { addressString, readJsonFile, uintString } from "../chain/files.js";
import type { RecordRegistry } from "../../typechain-types/index.js";
import {
  consentIdOf,
  recordsDomain,
  signConsent,
  signRevocation,
  type ConsentTerms,
  type TypedSigner,
} from "./consent.js";
import { randomSalt } from "./commitment.js";
import { RecordsInputError } from "./errors.js";
import { buildBatch, recordLeaf, subjectOfAccount, type LeafValue } from "./merkle.js";

const hex32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "must be 32 bytes of hex");

export const CONSENT_FORMAT = "medchain.consent.v2";

/**
 * A consent as the patient's app hands it to the grantee: the terms (the chain stores only their
 * hash, so whoever accesses or revokes must present them), where it was granted, and for a
 * specific-records consent its scope: the commitments in scope and the consent's scope secret, from
 * which each record's blinding value is derived (the patient and the grantee hold it; it is never on
 * chain, and each access reveals only its own record's blinding value).
 */
export const consentFileSchema = z.object({
  format: z.literal(CONSENT_FORMAT),
  consentId: hex32,
  chainId: uintString(),
  registry: addressString(),
  terms: z.object({
    patient: addressString(),
    custodian: hex32,
    grantee: hex32,
    purpose: z.number().int().min(1).max(4),
    categories: uintString(),
    recordsRoot: hex32,
    validFrom: uintString(64),
    validUntil: uintString(64),
    nonce: uintString(),
  }),
  scope: z.object({ secret: hex32, commitments: z.array(hex32).min(1, "needs at least one record") }).optional(),
});
export type ConsentFile = z.infer<typeof consentFileSchema>;

/** A specific-records scope: the records' commitments and the consent's scope secret. */
export interface RecordsScope {
  secret: string;
  commitments: string[];
}

const BLIND_DOMAIN = "medchain.consent-scope.blind.v1";
const PADDING_DOMAIN = "medchain.consent-scope.padding.v1";

/** A record's blinding value in a consent's scope: `keccak256(domain || scopeSecret || leaf)`. */
export function scopeBlindOf(secret: string, leaf: string): string {
  return keccak256(concat([toUtf8Bytes(BLIND_DOMAIN), secret, leaf]));
}

/**
 * The values of a specific-records scope tree: `[blind_i, leaf_i]` per record (the contract checks
 * `ofPair(blind, leaf)` under the consent's root), plus one padding value derived from the secret, so
 * a one-record scope has a Merkle path like any other and the root is never a lone scope leaf.
 * Without the secret, no sibling in a scope proof says anything about the unread records.
 */
export function scopeValues(patient: string, scope: RecordsScope): LeafValue[] {
  if (scope.commitments.length === 0) throw new MedChainError("a specific-records scope needs at least one record");
  const subject = subjectOfAccount(patient);
  const values = scope.commitments.map((c): LeafValue => {
    const leaf = recordLeaf(subject, c);
    return [scopeBlindOf(scope.secret, leaf), leaf];
  });
  const pad = keccak256(concat([toUtf8Bytes(PADDING_DOMAIN), scope.secret]));
  return [...values, [pad, keccak256(pad)]];
}

/** The Merkle root a specific-records consent signs. */
export function scopeRootOf(patient: string, scope: RecordsScope): string {
  return buildBatch(scopeValues(patient, scope)).root;
}

/** A fresh specific-records scope over `commitments` with a new random scope secret. */
export function newRecordsScope(commitments: string[]): RecordsScope {
  if (commitments.length === 0) throw new MedChainError("a specific-records scope needs at least one record");
  return { secret: randomSalt(), commitments };
}

export function termsOf(file: ConsentFile): ConsentTerms {
  const t = file.terms;
  return {
    ...t,
    categories: BigInt(t.categories),
    validFrom: BigInt(t.validFrom),
    validUntil: BigInt(t.validUntil),
    nonce: BigInt(t.nonce),
  };
}

export function consentFileOf(
  terms: ConsentTerms,
  scope: RecordsScope | undefined,
  chainId: bigint,
  registry: string,
): ConsentFile {
  return {
    format: CONSENT_FORMAT,
    consentId: consentIdOf(terms),
    chainId: chainId.toString(),
    registry,
    terms: {
      ...terms,
      categories: terms.categories.toString(),
      validFrom: terms.validFrom.toString(),
      validUntil: terms.validUntil.toString(),
      nonce: terms.nonce.toString(),
    },
    ...(scope === undefined ? {} : { scope }),
  };
}

export async function readConsentFile(file: string): Promise<ConsentFile> {
  return consentFileFrom(await readJsonFile(file), file);
}

/**
 * Checks a parsed consent file (read from `source`, for errors): its form, that its id is the hash of
 * its terms, and that a specific-records scope gives the terms' records root.
 */
export function consentFileFrom(value: unknown, source: string): ConsentFile {
  const parsed = consentFileSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new RecordsInputError(source, `not a consent file: ${issue.path.join(".") || "file"} ${issue.message}`);
  }
  const consent = parsed.data;
  if (consentIdOf(termsOf(consent)) !== consent.consentId.toLowerCase()) {
    throw new RecordsInputError(source, "the consent id does not match the terms");
  }
  const specific = BigInt(consent.terms.recordsRoot) !== 0n;
  if (specific !== (consent.scope !== undefined)) {
    throw new RecordsInputError(source, "scope: present exactly when the terms name a records root");
  }
  if (
    consent.scope !== undefined &&
    scopeRootOf(consent.terms.patient, consent.scope) !== consent.terms.recordsRoot.toLowerCase()
  ) {
    throw new RecordsInputError(source, "scope: the secret and commitments do not give the terms' records root");
  }
  return consent;
}

export async function writeConsentFile(file: string, consent: ConsentFile): Promise<void> {
  await writeFile(file, JSON.stringify(consent, null, 2) + "\n", { mode: 0o600 });
}

/** What an access presents for its scope: the record's blinding value and proof (zero and empty for categories). */
export interface ScopeProof {
  blind: string;
  proof: string[];
}

/** The scope proof of the record `commitment` under a consent. */
export function scopeProofOf(consent: ConsentFile, commitment: string): ScopeProof {
  if (consent.scope === undefined) return { blind: ZeroHash, proof: [] };
  const found = scopeProofsOf(consent).get(commitment.toLowerCase());
  if (found === undefined) {
    throw new MedChainError(`the record ${commitment} is not in the scope of consent ${consent.consentId}`);
  }
  return found;
}

/**
 * The scope proofs of every record in a specific-records consent, by lowercase commitment, from one
 * tree (empty for a category consent). A gateway reading many records of one consent builds it once.
 */
export function scopeProofsOf(consent: ConsentFile): Map<string, ScopeProof> {
  const out = new Map<string, ScopeProof>();
  if (consent.scope === undefined) return out;
  const values = scopeValues(consent.terms.patient, consent.scope);
  const { proofs } = buildBatch(values);
  consent.scope.commitments.forEach((c, i) => {
    if (!out.has(c.toLowerCase())) out.set(c.toLowerCase(), { blind: values[i]![0], proof: proofs[i]! });
  });
  return out;
}

/** What a patient consents to: custodian, grantee, purpose, and a category set or specific records. */
export interface ConsentRequest {
  /** The patient's account at the custodian (see `patientAccountFor`). */
  patient: string;
  /** The member holding the records (their issuer). */
  custodian: string;
  /** The grantee member id. */
  grantee: string;
  /** Purpose of use (see `PURPOSES`). */
  purpose: number;
  /** Category bit set; 0 when the scope is specific records. */
  categories: bigint;
  /** A specific-records scope (`newRecordsScope`); absent when the scope is categories. */
  scope?: RecordsScope;
  /** Valid from this unix time, for `days` days. */
  from: bigint;
  days: number;
}

/**
 * The terms to sign for a consent request. The nonce is 64 random bits, so two otherwise equal
 * grants (even in the same second) are distinct consents and each can be revoked on its own.
 */
export function consentTerms(request: ConsentRequest): ConsentTerms {
  if (!Number.isInteger(request.days) || request.days <= 0) {
    throw new MedChainError(`consent validity: ${request.days} is not a positive whole number of days`);
  }
  if ((request.categories === 0n) === (request.scope === undefined)) {
    throw new MedChainError("a consent scope is either a category set or specific records, exactly one");
  }
  return {
    patient: request.patient,
    custodian: request.custodian,
    grantee: request.grantee,
    purpose: request.purpose,
    categories: request.categories,
    recordsRoot: request.scope === undefined ? ZeroHash : scopeRootOf(request.patient, request.scope),
    validFrom: request.from,
    validUntil: request.from + BigInt(request.days) * 86_400n,
    nonce: BigInt(hexlify(randomBytes(8))),
  };
}

/** Signs (as the patient's account or guardian) and submits a consent grant; returns the consent id. */
export async function grantConsent(
  records: RecordRegistry,
  signer: TypedSigner,
  terms: ConsentTerms,
  deadline: bigint,
): Promise<{ consentId: string; txHash: string }> {
  const { chainId } = await records.runner!.provider!.getNetwork();
  const domain = recordsDomain(chainId, await records.getAddress());
  const tx = await records.grantConsent(terms, deadline, await signConsent(signer, domain, terms, deadline));
  const receipt = await tx.wait();
  return { consentId: consentIdOf(terms), txHash: receipt!.hash };
}

/** Signs (as the patient's account or guardian) and submits a revocation. */
export async function revokeConsent(
  records: RecordRegistry,
  signer: TypedSigner,
  terms: ConsentTerms,
  deadline: bigint,
): Promise<string> {
  const { chainId } = await records.runner!.provider!.getNetwork();
  const domain = recordsDomain(chainId, await records.getAddress());
  const tx = await records.revokeConsent(terms, deadline, await signRevocation(signer, domain, terms, deadline));
  return (await tx.wait())!.hash;
}
