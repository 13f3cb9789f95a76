import type { Signer } from "ethers";

import { ConsortiumRegistry__factory, type RecordRegistry } from "../../typechain-types/index.js";
import { MedChainError } from "../chain/errors.js";

/**
 * The member id of the account `records` signs with, asked of the consortium registry the records
 * module trusts. Every issuer-keyed lookup (resume, retract, amend) uses it, so "anchored by another
 * member" is never mistaken for "anchored by us".
 */
export async function signerMemberId(records: RecordRegistry): Promise<string> {
  const signer = records.runner as Signer | null;
  if (signer === null || typeof signer.getAddress !== "function") {
    throw new MedChainError("the records connection has no signer: connect it with the hospital's account");
  }
  const account = await signer.getAddress();
  const registry = ConsortiumRegistry__factory.connect(await records.consortium(), signer);
  const memberId = await registry.memberOf(account);
  if (BigInt(memberId) === 0n) throw new MedChainError(`the account ${account} is not a consortium member's account`);
  return memberId;
}
