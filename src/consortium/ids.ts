import { keccak256, toUtf8Bytes, solidityPackedKeccak256 } from "ethers";

/**
 * A member id derived from the institution's public registration code (e.g. a national
 * healthcare-provider number). Domain-separated so it cannot collide with other hashes.
 */
export function memberIdFromCode(registrationCode: string): string {
  return solidityPackedKeccak256(["string", "string"], ["medchain.member.v1:", registrationCode]);
}

/**
 * The commitment to a member's off-chain metadata (name, registration documents). The documents
 * themselves never go on chain; only this hash does, so anyone given them can check they match.
 */
export function metadataCommitment(documents: string | Uint8Array): string {
  return keccak256(typeof documents === "string" ? toUtf8Bytes(documents) : documents);
}
