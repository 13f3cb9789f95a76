import { keccak256, toUtf8Bytes } from "ethers";

export { memberIdFromCode } from "../chain/members.js";

/**
 * The commitment to a member's off-chain metadata (name, registration documents). The documents
 * themselves never go on chain; only this hash does, so anyone given them can check they match.
 */
export function metadataCommitment(documents: string | Uint8Array): string {
  return keccak256(typeof documents === "string" ? toUtf8Bytes(documents) : documents);
}
