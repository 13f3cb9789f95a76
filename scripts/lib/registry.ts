// The ConsortiumRegistry and RecordRegistry factories for programs that deploy it outside Ignition (benchmarks, tests on
// their own nodes), each linked to its library.
import type { Signer } from "ethers";

import {
  BreakGlassLog__factory,
  ConsortiumGovernance__factory,
  ConsortiumRegistry__factory,
  RecordRegistry__factory,
} from "../../typechain-types/index.js";

/** A ConsortiumRegistry factory linked to a freshly deployed ConsortiumGovernance library. */
export async function linkedRegistryFactory(signer: Signer): Promise<ConsortiumRegistry__factory> {
  const governance = await new ConsortiumGovernance__factory(signer).deploy();
  await governance.waitForDeployment();
  return new ConsortiumRegistry__factory(
    {
      "project/contracts/consortium/libraries/ConsortiumGovernance.sol:ConsortiumGovernance":
        await governance.getAddress(),
    },
    signer,
  );
}

/** A RecordRegistry factory linked to a freshly deployed BreakGlassLog library (as Ignition deploys it). */
export async function linkedRecordRegistryFactory(signer: Signer): Promise<RecordRegistry__factory> {
  const log = await new BreakGlassLog__factory(signer).deploy();
  await log.waitForDeployment();
  return new RecordRegistry__factory(
    { "project/contracts/libraries/BreakGlassLog.sol:BreakGlassLog": await log.getAddress() },
    signer,
  );
}
