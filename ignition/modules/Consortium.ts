import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/**
 * Deploys the ConsortiumRegistry, the root of trust every MedChain module asks, linked to the
 * `ConsortiumGovernance` library that runs its proposals (future id "Consortium#ConsortiumGovernance").
 * Parameters (see ignition/parameters/*.json):
 *   certifier     the central node's account
 *   governors     the governor accounts (n)
 *   threshold     votes needed (k, 1 <= k <= n)
 *   votingPeriod  seconds a proposal stays open (default 7 days)
 */
export default buildModule("Consortium", (m) => {
  const certifier = m.getParameter<string>("certifier");
  const governors = m.getParameter<string[]>("governors");
  const threshold = m.getParameter<bigint>("threshold");
  const votingPeriod = m.getParameter<bigint>("votingPeriod", 7n * 24n * 3600n);
  const registry = m.contract("ConsortiumRegistry", [certifier, governors, threshold, votingPeriod], {
    libraries: { ConsortiumGovernance: m.library("ConsortiumGovernance") },
  });
  return { registry };
});
