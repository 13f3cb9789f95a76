// The ConsortiumRegistry, RecordRegistry and DrugProvenance factories for programs that deploy them outside Ignition
// (benchmarks, tests on their own nodes), each linked to its library.
import type { Signer } from "ethers";

import {
  BreakGlassLog__factory,
  ConsentGrants__factory,
  ConsortiumGovernance__factory,
  ConsortiumRegistry__factory,
  DrugProvenance__factory,
  RecordRegistry__factory,
  SupplyLinks__factory,
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

/** A RecordRegistry factory linked to freshly deployed BreakGlassLog and ConsentGrants libraries (as Ignition deploys it). */
export async function linkedRecordRegistryFactory(signer: Signer): Promise<RecordRegistry__factory> {
  const log = await new BreakGlassLog__factory(signer).deploy();
  const grants = await new ConsentGrants__factory(signer).deploy();
  await Promise.all([log.waitForDeployment(), grants.waitForDeployment()]);
  return new RecordRegistry__factory(
    {
      "project/contracts/libraries/BreakGlassLog.sol:BreakGlassLog": await log.getAddress(),
      "project/contracts/libraries/ConsentGrants.sol:ConsentGrants": await grants.getAddress(),
    },
    signer,
  );
}

/** A DrugProvenance factory linked to a freshly deployed SupplyLinks library (as Ignition deploys it). */
export async function linkedProvenanceFactory(signer: Signer): Promise<DrugProvenance__factory> {
  const links = await new SupplyLinks__factory(signer).deploy();
  await links.waitForDeployment();
  return new DrugProvenance__factory(
    { "project/contracts/provenance/SupplyLinks.sol:SupplyLinks": await links.getAddress() },
    signer,
  );
}
