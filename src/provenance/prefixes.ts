import type { ContractTransactionReceipt } from "ethers";

import type { ConsortiumRegistry, ProductRegistry } from "../../typechain-types/index.js";
import { MedChainError } from "../chain/errors.js";
import { mined } from "../chain/send.js";
import { proposalIdFrom } from "../consortium/governance.js";

/** What the consortium can do with a GS1 company prefix, each by a vote (a governed call). */
export type PrefixAction = "assign" | "transfer" | "revoke";

/** The same rule as the contract: a GS1 company prefix is 4 to 12 decimal digits. */
export function parseCompanyPrefix(text: string, option = "prefix"): string {
  const prefix = text.trim();
  if (!/^\d{4,12}$/.test(prefix)) {
    throw new MedChainError(`--${option}: "${text}" is not a GS1 company prefix (4 to 12 digits, e.g. 0614141)`);
  }
  return prefix;
}

/** The calldata of the product registry's vote-only prefix function for `action`. */
export function prefixCallData(
  provenance: Pick<ProductRegistry, "interface">,
  action: PrefixAction,
  prefix: string,
  memberId?: string,
): string {
  const p = parseCompanyPrefix(prefix);
  if (action === "revoke") return provenance.interface.encodeFunctionData("revokeCompanyPrefix", [p]);
  if (memberId === undefined) throw new MedChainError(`--member: ${action} names the member to hold ${p}`);
  return action === "assign"
    ? provenance.interface.encodeFunctionData("assignCompanyPrefix", [p, memberId])
    : provenance.interface.encodeFunctionData("transferCompanyPrefix", [p, memberId]);
}

/**
 * A governor proposes that the consortium assign, transfer or revoke a company prefix: a governed
 * call (`proposeCall`) into the product registry (`DrugProvenance.products()`), which runs once
 * `threshold` governors voted and someone executes it. Dry-run first, so a prefix that overlaps or is taken is refused before voting
 * starts (the module's checks run again at execution).
 */
export async function proposePrefixChange(
  registry: ConsortiumRegistry,
  provenance: ProductRegistry,
  action: PrefixAction,
  prefix: string,
  memberId?: string,
): Promise<{ proposalId: bigint; receipt: ContractTransactionReceipt }> {
  const data = prefixCallData(provenance, action, prefix, memberId);
  const module = await provenance.getAddress();
  // The module refuses a bad change only at execution; simulate it as the registry would call it.
  await provenance.runner!.provider!.call({ to: module, from: await registry.getAddress(), data });
  const receipt = await mined(registry.proposeCall(module, data));
  return { proposalId: proposalIdFrom(registry, receipt), receipt };
}
