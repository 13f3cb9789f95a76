import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import type { ArgumentType, IgnitionModuleBuilder } from "@nomicfoundation/ignition-core";

import ConsortiumModule from "./Consortium.js";
import RecordsModule from "./Records.js";

/**
 * The claims contracts on a registry and a record registry: the plan book and the library it links
 * (`PlanVersions`), the libraries the engine links (`ClaimSubmission`, `ClaimDecisions`,
 * `ClaimAppeals`, `ClaimSettlement`), the engine, and the settlement vault the engine's constructor deploys
 * (recorded with `contractAt` so its address is in deployed_addresses.json); then the plan book is
 * bound to the engine (`bindEngine`, by the deployer, once).
 */
function claimsContracts(
  m: IgnitionModuleBuilder,
  registry: ArgumentType,
  recordRegistry: ArgumentType,
  token: ArgumentType,
) {
  const plans = m.contract("ClaimsPlans", [registry], { libraries: { PlanVersions: m.library("PlanVersions") } });
  const engine = m.contract("ClaimsEngine", [registry, plans, recordRegistry, token], {
    libraries: {
      ClaimSubmission: m.library("ClaimSubmission"),
      ClaimDecisions: m.library("ClaimDecisions"),
      ClaimAppeals: m.library("ClaimAppeals"),
      ClaimSettlement: m.library("ClaimSettlement"),
    },
  });
  const vault = m.contractAt("SettlementVault", m.staticCall(engine, "vault"));
  // The deployer binds the plan book to its engine once, so enrolment opens each period's totals there.
  m.call(plans, "bindEngine", [engine]);
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
