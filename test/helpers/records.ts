import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";

import type { RecordRegistry } from "../../typechain-types/index.js";

/**
 * A RecordRegistry on `registry`, linked to freshly deployed `BreakGlassLog` and `ConsentGrants` libraries (as the Ignition
 * modules deploy it). Every module's fixture that needs the real records module deploys it this way.
 */
export async function deployRecordRegistry(ethers: HardhatEthers, registry: string): Promise<RecordRegistry> {
  const log = await ethers.deployContract("BreakGlassLog");
  const grants = await ethers.deployContract("ConsentGrants");
  const records = await ethers.deployContract("RecordRegistry", [registry], {
    libraries: { BreakGlassLog: await log.getAddress(), ConsentGrants: await grants.getAddress() },
  });
  return records.waitForDeployment();
}
