import { writeFile } from "node:fs/promises";

import { getAddress } from "ethers";
import { z } from "zod";

import { addressString, readJsonFile, uintString } from "../chain/files.js";

import { COMMITMENT_ALGORITHM, recordCommitment } from "./commitment.js";
import { RecordsInputError } from "./errors.js";
import { NO_BATCH, recordLeaf, subjectOfAccount, verifyInBatch } from "./merkle.js";

export const PROOF_FORMAT = "medchain.record-proof.v2";

const hex32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "must be 32 bytes of hex");

/** One anchored leaf of a record: `ofPair(subject, commitment)` with its salt and where it is anchored. */
const leafSchema = z.object({
  /** The leaf's subject: the patient's account at the issuer (padded), or the claims patient reference. */
  subject: hex32,
  salt: hex32,
  commitment: hex32,
  /** The issuer's batch holding the leaf; zero for a leaf anchored alone. */
  batchRoot: hex32,
  proof: z.array(hex32),
});
export type AnchoredLeaf = z.infer<typeof leafSchema>;

/**
 * The portable proof of one record: everything needed to recompute its leaf from the record and check
 * it offline and on chain, except the record itself (which stays with the hospital and the patient).
 * `record` is the leaf consents reach (subject: the patient's account at the issuer); `billing`, when
 * the record documents billed services, is its billing documentation leaf (subject: the claims patient
 * reference, under an independent salt). The issuer keeps the full file; others get `shareableProof`
 * copies without `billing`, so nobody else can join the record to its claims.
 */
export const proofSchema = z.object({
  format: z.literal(PROOF_FORMAT),
  algorithm: z.literal(COMMITMENT_ALGORITHM),
  chainId: uintString(),
  registry: addressString(),
  /** The member id of the issuer (the anchoring member). */
  issuer: hex32,
  category: z.number().int().min(0).max(255),
  record: leafSchema,
  billing: leafSchema.optional(),
});
export type RecordProof = z.infer<typeof proofSchema>;

/** Reads and validates a proof file; a bad one is a one-line error naming the file and the field. */
export async function readProof(file: string): Promise<RecordProof> {
  const value = await readJsonFile(file);
  const parsed = proofSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new RecordsInputError(file, `not a record proof: ${issue.path.join(".") || "file"} ${issue.message}`);
  }
  return parsed.data;
}

export async function writeProof(file: string, proof: RecordProof): Promise<void> {
  await writeFile(file, JSON.stringify(proof, null, 2) + "\n");
}

/** The copy of a proof to give the patient or another hospital: without the billing leaf. */
export function shareableProof(proof: RecordProof): RecordProof {
  const { billing: _billing, ...shared } = proof;
  return shared;
}

/** The leaf of an anchored section, `ofPair(subject, commitment)`. */
export function leafOf(section: AnchoredLeaf): string {
  return recordLeaf(section.subject, section.commitment);
}

/** Refuses a proof made for another chain or registry than the one connected to. */
export function checkProofTarget(proof: RecordProof, chainId: bigint, registry: string, file: string): void {
  if (BigInt(proof.chainId) !== chainId) {
    throw new RecordsInputError(file, `the proof is for chain ${proof.chainId}, but the network is chain ${chainId}`);
  }
  if (getAddress(proof.registry) !== getAddress(registry)) {
    throw new RecordsInputError(file, `the proof is for registry ${proof.registry}, not ${registry}`);
  }
}

/**
 * Refuses, before sending, a record a consent of `patient` at `custodian` cannot reach: anchored by
 * another member than the custodian, or bound to another patient account (the contract would refuse
 * both as not anchored).
 */
export function checkBoundTo(proof: RecordProof, custodian: string, patient: string, file: string): void {
  if (proof.issuer.toLowerCase() !== custodian.toLowerCase()) {
    throw new RecordsInputError(
      file,
      `issuer: the record was anchored by ${proof.issuer}, not by the custodian ${custodian}`,
    );
  }
  if (proof.record.subject.toLowerCase() !== subjectOfAccount(patient)) {
    throw new RecordsInputError(file, `record.subject: the record is bound to another patient account than ${patient}`);
  }
}

/** Offline result: does the record still match its proof? */
export interface OfflineCheck {
  ok: boolean;
  /** The commitment recomputed from the record and the proof's salt. */
  commitment: string;
  /** The record leaf, `ofPair(subject, commitment)`, with the recomputed commitment. */
  leaf: string;
  reason?: string;
}

/** Whether a section's Merkle path is well formed for where it says it is anchored. */
function pathProblem(section: AnchoredLeaf, commitment: string): string | undefined {
  if (BigInt(section.batchRoot) === 0n) {
    return section.proof.length === 0 ? undefined : "a record anchored alone must have no Merkle path";
  }
  return verifyInBatch(section.batchRoot, [section.subject, commitment], section.proof)
    ? undefined
    : "the Merkle path does not lead to the batch root";
}

/** Recomputes the commitment and leaf and checks them against the proof and, for a batch, its path. */
export function checkOffline(resource: unknown, proof: RecordProof): OfflineCheck {
  const commitment = recordCommitment(resource, proof.record.salt);
  const leaf = recordLeaf(proof.record.subject, commitment);
  if (commitment !== proof.record.commitment.toLowerCase()) {
    return { ok: false, commitment, leaf, reason: "the record does not match the commitment in its proof" };
  }
  const problem = pathProblem(proof.record, commitment);
  return problem === undefined ? { ok: true, commitment, leaf } : { ok: false, commitment, leaf, reason: problem };
}

/**
 * What a claim cites to show a record documents its service: the issuer's billing documentation leaf
 * `ofPair(patientRef, docCommitment)`, and where it is anchored. The claims engine asks
 * `recordStatus(providerMemberId, ofPair(claimPatientRef, docCommitment), batchRoot, proof)`.
 */
export interface BillingCitation {
  /** The member that anchored it (the claim's provider must be this member). */
  issuer: string;
  /** The claims patient reference the leaf is bound to. */
  patientRef: string;
  docCommitment: string;
  /** The issuer's batch holding the billing leaf; zero (`NO_BATCH`) for one anchored alone. */
  batchRoot: string;
  proof: string[];
}

/** The billing citation of a record's proof; `file` names the source in errors. */
export function billingCitationOf(proof: RecordProof, file: string): BillingCitation {
  const billing = proof.billing;
  if (billing === undefined) {
    throw new RecordsInputError(
      file,
      "billing: the record was anchored without a billing reference (give the patient's billingRef in the patients file), or this is a shared copy",
    );
  }
  const problem = pathProblem(billing, billing.commitment.toLowerCase());
  if (problem !== undefined) throw new RecordsInputError(file, `billing: ${problem}`);
  return {
    issuer: proof.issuer,
    patientRef: billing.subject,
    docCommitment: billing.commitment,
    batchRoot: BigInt(billing.batchRoot) === 0n ? NO_BATCH : billing.batchRoot,
    proof: billing.proof,
  };
}

/** Reads a record's proof file and returns its billing citation (for the claims SDK and tasks). */
export async function readBillingCitation(file: string): Promise<BillingCitation> {
  return billingCitationOf(await readProof(file), file);
}
