import type { ContractTransactionReceipt, ContractTransactionResponse } from "ethers";

import { MedChainError } from "./errors.js";

/** Sends a contract call and waits until it is mined; the receipt is never null. */
export async function mined(tx: Promise<ContractTransactionResponse>): Promise<ContractTransactionReceipt> {
  const receipt = await (await tx).wait();
  if (receipt === null) throw new MedChainError("the transaction was dropped before it was mined");
  return receipt;
}
