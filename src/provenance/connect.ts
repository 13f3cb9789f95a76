import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { isAddress } from "ethers";

import { DrugProvenance__factory, type DrugProvenance } from "../../typechain-types/index.js";
import { FUTURE_IDS, loadDeployedAddresses, resolveAddress } from "../chain/deployments.js";
import { MedChainError } from "../chain/errors.js";
import { checkAddress } from "../consortium/connect.js";

/** Ignition's future id of DrugProvenance deployed on an existing registry. */
export const PROVENANCE_ON_REGISTRY = "ProvenanceOnRegistry#DrugProvenance";

/**
 * Connects a task to DrugProvenance on the selected network: `--provenance` if given, else the one
 * Ignition deployed there. Signs with the first account unless `from` names another.
 */
export async function connectProvenance(
  hre: HardhatRuntimeEnvironment,
  option: string,
  from = "",
): Promise<{ provenance: DrugProvenance; chainId: bigint }> {
  const { ethers } = await hre.network.create();
  const { chainId } = await ethers.provider.getNetwork();
  // Deployed with the registry (Provenance.ts) or on an existing one (ProvenanceOnRegistry.ts).
  const onRegistry = (await loadDeployedAddresses(chainId))[PROVENANCE_ON_REGISTRY];
  const address =
    option === "" && onRegistry !== undefined
      ? onRegistry
      : await resolveAddress(option, chainId, FUTURE_IDS.provenance, "provenance");
  if (!isAddress(address)) throw new MedChainError(`--provenance: "${address}" is not an address`);
  if ((await ethers.provider.getCode(address)) === "0x") {
    throw new MedChainError(`--provenance: no contract at ${address} on chain ${chainId}`);
  }
  const signer = from === "" ? (await ethers.getSigners())[0] : await ethers.getSigner(checkAddress(from, "from"));
  if (signer === undefined) throw new MedChainError("network has no accounts to sign with");
  return { provenance: DrugProvenance__factory.connect(address, signer), chainId };
}
