import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

import ConsortiumModule from "./Consortium.js";
import RecordsModule from "./Records.js";

/**
 * Deploys the claims module against the consortium's registry and record registry (module id
 * "Claims"; future ids "Claims#ClaimsPlans" and "Claims#ClaimsEngine"). On a persistent network
 * Ignition reuses the Consortium and Records deployments (or deploys them). Parameter:
 *   token  the ERC-20 claims are settled in (a consortium stablecoin)
 */
export default buildModule("Claims", (m) => {
  const { registry } = m.useModule(ConsortiumModule);
  const { records: recordRegistry } = m.useModule(RecordsModule);
  const token = m.getParameter<string>("token");
  const plans = m.contract("ClaimsPlans", [registry]);
  const engine = m.contract("ClaimsEngine", [registry, plans, recordRegistry, token]);
  return { plans, engine };
});

/**
 * The same contracts against an already deployed registry given as the parameter
 * `ClaimsOnRegistry.registry`. The embedded (in-process) network keeps no Ignition journal between
 * `deploy` calls, so the demo uses this one to build on the registry chapter 1 deployed.
 */
export const ClaimsOnRegistryModule = buildModule("ClaimsOnRegistry", (m) => {
  const registry = m.contractAt("ConsortiumRegistry", m.getParameter<string>("registry"));
  const token = m.getParameter<string>("token");
  const recordRegistry = m.getParameter<string>("recordRegistry");
  const plans = m.contract("ClaimsPlans", [registry]);
  const engine = m.contract("ClaimsEngine", [registry, plans, recordRegistry, token]);
  return { plans, engine };
});
