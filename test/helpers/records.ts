import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";

import type { RecordRegistry } from "../../typechain-types/index.js";

/**
 * A RecordRegistry on `registry`, linked to a freshly deployed `BreakGlassLog` library (as the Ignition
 * modules deploy it). Every module's fixture that needs the real records module deploys it this way.
 */
export async function deployRecordRegistry(ethers: HardhatEthers, registry: string): Promise<RecordRegistry> {
  const log = await ethers.deployContract("BreakGlassLog");
  const records = await ethers.deployContract("RecordRegistry", [registry], {
    libraries: { BreakGlassLog: await log.getAddress() },
  });
  return records.waitForDeployment();
}
