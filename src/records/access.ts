import type { RecordRegistry } from "../../typechain-types/index.js";
import { scopeProofOf, termsOf, type ConsentFile } from "./consent-file.js";
import { checkBoundTo, leafOf, type RecordProof } from "./proof.js";

/** Where the consent and the proof came from, for one-line errors. */
export interface AccessSources {
  consent: string;
  proof: string;
}

/** Records the grantee's access to a record under a consent (the audit entry); returns the transaction. */
export async function recordAccess(
  records: RecordRegistry,
  consent: ConsentFile,
  proof: RecordProof,
  purpose: number,
  where: AccessSources,
): Promise<{ leaf: string; txHash: string }> {
  checkBoundTo(proof, consent.terms.custodian, consent.terms.patient, where.proof);
  const scope = scopeProofOf(consent, proof.record.commitment);
  const tx = await records.access(
    termsOf(consent),
    proof.record.commitment,
    proof.record.batchRoot,
    proof.record.proof,
    scope.blind,
    scope.proof,
    purpose,
  );
  const receipt = await tx.wait();
  return { leaf: leafOf(proof.record), txHash: receipt!.hash };
}

/** An emergency access without consent (a Hospital only), flagged for a regulator's review. */
export async function breakGlassAccess(
  records: RecordRegistry,
  proof: RecordProof,
  reasonCode: number,
): Promise<{ breakGlassId: bigint; leaf: string; txHash: string }> {
  const leaf = leafOf(proof.record);
  const tx = await records.breakGlass(
    proof.issuer,
    proof.record.subject,
    proof.record.commitment,
    proof.record.batchRoot,
    proof.record.proof,
    reasonCode,
  );
  const receipt = await tx.wait();
  const event = receipt!.logs
    .map((log) => records.interface.parseLog(log))
    .find((parsed) => parsed?.name === "BreakGlassAccessed");
  return { breakGlassId: event!.args.breakGlassId as bigint, leaf, txHash: receipt!.hash };
}
