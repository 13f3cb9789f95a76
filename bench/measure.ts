import type { ContractTransactionResponse } from "ethers";

/** Gas used by a transaction for the whole transaction (intrinsic cost included). */
export async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<bigint> {
  const receipt = await (await tx).wait();
  if (receipt === null) throw new Error("transaction was not mined");
  return receipt.gasUsed;
}
