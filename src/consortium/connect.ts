import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { isAddress } from "ethers";

import { ConsortiumRegistry__factory, type ConsortiumRegistry } from "../../typechain-types/index.js";
import { FUTURE_IDS, resolveAddress } from "../chain/deployments.js";
import { MedChainError } from "../chain/errors.js";

/**
 * Connects a task to the registry on the selected network: the `--registry` address if given,
 * else the one Ignition deployed there. Signs with the network's first account unless `from`
 * names another of its accounts.
 */
export async function connectRegistry(
  hre: HardhatRuntimeEnvironment,
  registryOption: string,
  from = "",
): Promise<{ registry: ConsortiumRegistry; chainId: bigint }> {
  const { ethers } = await hre.network.create();
  const { chainId } = await ethers.provider.getNetwork();
  const address = await resolveAddress(registryOption, chainId, FUTURE_IDS.registry, "registry");
  if (!isAddress(address)) throw new MedChainError(`--registry: "${address}" is not an address`);
  if ((await ethers.provider.getCode(address)) === "0x") {
    throw new MedChainError(`--registry: no contract at ${address} on chain ${chainId}`);
  }
  const signer = from === "" ? (await ethers.getSigners())[0] : await ethers.getSigner(checkAddress(from, "from"));
  if (signer === undefined) throw new MedChainError(`network has no accounts to sign with`);
  return { registry: ConsortiumRegistry__factory.connect(address, signer), chainId };
}

/** Validates an address option, naming the option in the error. */
export function checkAddress(value: string, option: string): string {
  if (!isAddress(value)) throw new MedChainError(`--${option}: "${value}" is not an address`);
  return value;
}
