import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

import ConsortiumModule from "./Consortium.js";

/**
 * Deploys the RecordRegistry against the consortium's registry (module id "Records"; future id
 * "Records#RecordRegistry"), with the libraries it links (`BreakGlassLog`, `ConsentGrants`). On a persistent network
 * Ignition reuses the Consortium deployment.
 */
export default buildModule("Records", (m) => {
  const { registry } = m.useModule(ConsortiumModule);
  const records = m.contract("RecordRegistry", [registry], {
    libraries: { BreakGlassLog: m.library("BreakGlassLog"), ConsentGrants: m.library("ConsentGrants") },
  });
  return { records };
});

/**
 * The same RecordRegistry against an already deployed registry given as the parameter
 * `RecordsOnRegistry.registry`. The embedded (in-process) network keeps no Ignition journal between
 * `deploy` calls, so the demo uses this one to build on the registry chapter 1 deployed.
 */
export const RecordsOnRegistryModule = buildModule("RecordsOnRegistry", (m) => {
  const registry = m.contractAt("ConsortiumRegistry", m.getParameter<string>("registry"));
  const records = m.contract("RecordRegistry", [registry], {
    libraries: { BreakGlassLog: m.library("BreakGlassLog"), ConsentGrants: m.library("ConsentGrants") },
  });
  return { records };
});
