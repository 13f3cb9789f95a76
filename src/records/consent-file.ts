import { randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";

import { hexlify, ZeroHash } from "ethers";

import { z } from "zod";

import { MedChainError } from "../chain/errors.js";
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
import { buildBatch } from "./merkle.js";

const hex32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "must be 32 bytes of hex");
const uint = z.string().regex(/^\d+$/, "must be a decimal integer string");

/**
 * A consent as the patient's app hands it to the grantee: the terms (the chain stores only their
 * hash, so whoever accesses or revokes must present them), the commitments in scope when the scope
 * is specific records, and where it was granted.
 */
export const consentFileSchema = z.object({
  format: z.literal("medchain.consent.v1"),
  consentId: hex32,
  chainId: uint,
  registry: z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be an address"),
  terms: z.object({
    patient: z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be an address"),
    grantee: hex32,
    purpose: z.number().int().min(1).max(4),
    categories: uint,
    recordsRoot: hex32,
    validFrom: uint,
    validUntil: uint,
    nonce: uint,
  }),
  scope: z.array(hex32),
});
export type ConsentFile = z.infer<typeof consentFileSchema>;

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

export function consentFileOf(terms: ConsentTerms, scope: string[], chainId: bigint, registry: string): ConsentFile {
  return {
    format: "medchain.consent.v1",
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
    scope,
  };
}

export async function readConsentFile(file: string): Promise<ConsentFile> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, "utf8"));
  } catch (err) {
    throw new RecordsInputError(file, `not a readable JSON consent file (${(err as Error).message.split("\n")[0]})`);
  }
  const parsed = consentFileSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new RecordsInputError(file, `not a consent file: ${issue.path.join(".") || "file"} ${issue.message}`);
  }
  if (consentIdOf(termsOf(parsed.data)) !== parsed.data.consentId.toLowerCase()) {
    throw new RecordsInputError(file, "the consent id does not match the terms");
  }
  return parsed.data;
}

export async function writeConsentFile(file: string, consent: ConsentFile): Promise<void> {
  await writeFile(file, JSON.stringify(consent, null, 2) + "\n");
}

/** The Merkle proof that `commitment` is in a specific-records scope (empty for category scopes). */
export function scopeProofOf(consent: ConsentFile, commitment: string): string[] {
  if (consent.scope.length === 0) return [];
  const i = consent.scope.findIndex((c) => c.toLowerCase() === commitment.toLowerCase());
  if (i < 0) throw new MedChainError(`the record ${commitment} is not in the scope of consent ${consent.consentId}`);
  return buildBatch(consent.scope).proofs[i]!;
}

/**
 * A specific-records scope ready to sign: the commitments plus one random blinding leaf, so that
 * nobody can find which anchored commitments a consent covers by hashing candidate sets of them
 * into its root. The blinding leaf is never a record (an access with it is refused as not anchored).
 */
export function blindedScope(commitments: string[]): string[] {
  if (commitments.length === 0) throw new MedChainError("a specific-records scope needs at least one record");
  return [...commitments, randomSalt()];
}

/** The Merkle root of a specific-records scope. */
export function scopeRootOf(commitments: string[]): string {
  if (commitments.length === 0) throw new MedChainError("a specific-records scope needs at least one record");
  return buildBatch(commitments).root;
}

/** What a patient consents to: the grantee, the purpose, and a category set or specific records. */
export interface ConsentRequest {
  /** The patient's account for this grantee (see `patientAccountFor`). */
  patient: string;
  /** The grantee member id. */
  grantee: string;
  /** Purpose of use (see `PURPOSES`). */
  purpose: number;
  /** Category bit set; 0 when the scope is specific records. */
  categories: bigint;
  /** A specific-records scope from `blindedScope`; empty when the scope is categories. */
  scope: string[];
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
  if ((request.categories === 0n) === (request.scope.length === 0)) {
    throw new MedChainError("a consent scope is either a category set or specific records, exactly one");
  }
  return {
    patient: request.patient,
    grantee: request.grantee,
    purpose: request.purpose,
    categories: request.categories,
    recordsRoot: request.scope.length === 0 ? ZeroHash : scopeRootOf(request.scope),
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
