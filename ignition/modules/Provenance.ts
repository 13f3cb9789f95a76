import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

import ConsortiumModule from "./Consortium.js";

/**
 * Deploys DrugProvenance, with the library it links (`SupplyLinks`), against the consortium's
 * registry (deployed by, or reused from, the Consortium module). The provenance module asks the registry who may act and whether it is paused.
 */
export default buildModule("Provenance", (m) => {
  const { registry } = m.useModule(ConsortiumModule);
  const provenance = m.contract("DrugProvenance", [registry], {
    libraries: { SupplyLinks: m.library("SupplyLinks") },
  });
  return { registry, provenance };
});
