import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import type { ArgumentType, IgnitionModuleBuilder } from "@nomicfoundation/ignition-core";

import ConsortiumModule from "./Consortium.js";
import RecordsModule from "./Records.js";

/**
 * The claims contracts on a registry and a record registry: the plan book, the libraries the engine
 * links (`ClaimDecisions`, `ClaimSettlement`), the engine, and the settlement vault the engine's constructor deploys
 * (recorded with `contractAt` so its address is in deployed_addresses.json).
 */
function claimsContracts(
  m: IgnitionModuleBuilder,
  registry: ArgumentType,
  recordRegistry: ArgumentType,
  token: ArgumentType,
) {
  const plans = m.contract("ClaimsPlans", [registry]);
  const engine = m.contract("ClaimsEngine", [registry, plans, recordRegistry, token], {
    libraries: { ClaimDecisions: m.library("ClaimDecisions"), ClaimSettlement: m.library("ClaimSettlement") },
  });
  const vault = m.contractAt("SettlementVault", m.staticCall(engine, "vault"));
  return { plans, engine, vault };
}

/**
 * Deploys the claims module against the consortium's registry and record registry (module id
 * "Claims"; future ids "Claims#ClaimsPlans", "Claims#ClaimsEngine", "Claims#SettlementVault"). On a
 * persistent network Ignition reuses the Consortium and Records deployments (or deploys them).
 * Parameter:
 *   token  the ERC-20 claims are settled in (a consortium stablecoin)
 */
export default buildModule("Claims", (m) => {
  const { registry } = m.useModule(ConsortiumModule);
  const { records: recordRegistry } = m.useModule(RecordsModule);
  return claimsContracts(m, registry, recordRegistry, m.getParameter<string>("token"));
});

/**
 * The same contracts against an already deployed registry given as the parameter
 * `ClaimsOnRegistry.registry`. The embedded (in-process) network keeps no Ignition journal between
 * `deploy` calls, so the demo uses this one to build on the registry chapter 1 deployed.
 */
export const ClaimsOnRegistryModule = buildModule("ClaimsOnRegistry", (m) => {
  const registry = m.contractAt("ConsortiumRegistry", m.getParameter<string>("registry"));
  return claimsContracts(m, registry, m.getParameter<string>("recordRegistry"), m.getParameter<string>("token"));
});
