// The ConsortiumRegistry factory for programs that deploy it outside Ignition (benchmarks, tests on
// their own nodes): the registry runs its proposals in the linked library ConsortiumGovernance.
import type { Signer } from "ethers";

import { ConsortiumGovernance__factory, ConsortiumRegistry__factory } from "../../typechain-types/index.js";

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
