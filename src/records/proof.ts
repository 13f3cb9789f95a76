import { readFile, writeFile } from "node:fs/promises";

import { getAddress } from "ethers";
import { z } from "zod";

import { COMMITMENT_ALGORITHM, recordCommitment } from "./commitment.js";
import { RecordsInputError } from "./errors.js";
import { verifyInBatch } from "./merkle.js";

export const PROOF_FORMAT = "medchain.record-proof.v1";

const hex32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "must be 32 bytes of hex");
const uintString = z.string().regex(/^\d+$/, "must be a decimal integer string");

/**
 * The portable proof of one record: everything needed to recompute its commitment from the record
 * and check it offline and on chain, except the record itself (which stays with the hospital and the
 * patient). `batchId` is "0" for a record anchored alone; for a batch it is the root as a number.
 */
export const proofSchema = z.object({
  format: z.literal(PROOF_FORMAT),
  algorithm: z.literal(COMMITMENT_ALGORITHM),
  salt: hex32,
  commitment: hex32,
  category: z.number().int().min(0).max(255),
  batchId: uintString,
  root: hex32,
  proof: z.array(hex32),
  chainId: uintString,
  registry: z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be an address"),
});
export type RecordProof = z.infer<typeof proofSchema>;

/** Reads and validates a proof file; a bad one is a one-line error naming the file and the field. */
export async function readProof(file: string): Promise<RecordProof> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, "utf8"));
  } catch (err) {
    throw new RecordsInputError(file, `not a readable JSON proof file (${(err as Error).message.split("\n")[0]})`);
  }
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

/** Refuses a proof made for another chain or registry than the one connected to. */
export function checkProofTarget(proof: RecordProof, chainId: bigint, registry: string, file: string): void {
  if (BigInt(proof.chainId) !== chainId) {
    throw new RecordsInputError(file, `the proof is for chain ${proof.chainId}, but the network is chain ${chainId}`);
  }
  if (getAddress(proof.registry) !== getAddress(registry)) {
    throw new RecordsInputError(file, `the proof is for registry ${proof.registry}, not ${registry}`);
  }
}

/** Offline result: does the record still match its proof? */
export interface OfflineCheck {
  ok: boolean;
  /** The commitment recomputed from the record and the proof's salt. */
  commitment: string;
  reason?: string;
}

/** Recomputes the commitment and checks it against the proof and, for a batch, the Merkle proof. */
export function checkOffline(resource: unknown, proof: RecordProof): OfflineCheck {
  const commitment = recordCommitment(resource, proof.salt);
  if (commitment !== proof.commitment.toLowerCase()) {
    return { ok: false, commitment, reason: "the record does not match the commitment in its proof" };
  }
  if (proof.batchId === "0") {
    if (proof.root.toLowerCase() !== commitment || proof.proof.length !== 0) {
      return { ok: false, commitment, reason: "a record anchored alone must have its commitment as root and no path" };
    }
    return { ok: true, commitment };
  }
  if (BigInt(proof.root) !== BigInt(proof.batchId)) {
    return { ok: false, commitment, reason: "the batch id is not the batch root" };
  }
  if (!verifyInBatch(proof.root, commitment, proof.proof)) {
    return { ok: false, commitment, reason: "the Merkle path does not lead to the batch root" };
  }
  return { ok: true, commitment };
}
