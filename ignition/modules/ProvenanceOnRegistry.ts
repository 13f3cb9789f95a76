import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/**
 * Deploys DrugProvenance against an existing ConsortiumRegistry given by address (parameter
 * `registry`): for a consortium whose registry was deployed earlier, outside this Ignition
 * deployment (and for the demo, whose chapters deploy module by module on the embedded chain).
 * A fresh deployment of registry and provenance together is `Provenance.ts`.
 */
export default buildModule("ProvenanceOnRegistry", (m) => {
  const registry = m.contractAt("ConsortiumRegistry", m.getParameter<string>("registry"));
  const provenance = m.contract("DrugProvenance", [registry], {
    libraries: { SupplyLinks: m.library("SupplyLinks") },
  });
  return { provenance };
});
