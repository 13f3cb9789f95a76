import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { isAddress } from "ethers";

import { RecordRegistry__factory, type RecordRegistry } from "../../typechain-types/index.js";
import { FUTURE_IDS, resolveAddress } from "../chain/deployments.js";
import { MedChainError } from "../chain/errors.js";
import { checkAddress } from "../consortium/connect.js";

/**
 * Connects a task to the RecordRegistry on the selected network: the `--records` address if given,
 * else the one Ignition deployed there. Signs with the network's first account unless `from` names another.
 */
export async function connectRecords(
  hre: HardhatRuntimeEnvironment,
  recordsOption: string,
  from = "",
): Promise<{ records: RecordRegistry; chainId: bigint; address: string }> {
  const { ethers } = await hre.network.create();
  const { chainId } = await ethers.provider.getNetwork();
  const address = await resolveAddress(recordsOption, chainId, FUTURE_IDS.records, "records");
  if (!isAddress(address)) throw new MedChainError(`--records: "${address}" is not an address`);
  if ((await ethers.provider.getCode(address)) === "0x") {
    throw new MedChainError(`--records: no contract at ${address} on chain ${chainId}`);
  }
  const signer = from === "" ? (await ethers.getSigners())[0] : await ethers.getSigner(checkAddress(from, "from"));
  if (signer === undefined) throw new MedChainError(`network has no accounts to sign with`);
  return { records: RecordRegistry__factory.connect(address, signer), chainId, address };
}
