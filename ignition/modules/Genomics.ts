import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

import ConsortiumModule from "./Consortium.js";

/**
 * Deploys the genomic-variant consortium against the consortium's registry (module id "Genomics";
 * future ids "Genomics#GenomicDatasets", "Genomics#QueryBudgets" (the budget library the query book
 * links), "Genomics#GenomicQueries", "Genomics#VariantInterpretations").
 * No rule is set at deployment: the alliance votes them (`npx hardhat genomics propose-rule`), so no
 * single key, not even the deployer's, decides budgets, purposes or the aggregator.
 */
export default buildModule("Genomics", (m) => {
  const { registry } = m.useModule(ConsortiumModule);
  const datasets = m.contract("GenomicDatasets", [registry]);
  const queries = m.contract("GenomicQueries", [registry, datasets], {
    libraries: { QueryBudgets: m.library("QueryBudgets") },
  });
  const interpretations = m.contract("VariantInterpretations", [registry]);
  return { datasets, queries, interpretations };
});

/**
 * The same contracts against an already deployed registry given as the parameter
 * `GenomicsOnRegistry.registry` (the demo builds on the registry chapter 1 deployed).
 */
export const GenomicsOnRegistryModule = buildModule("GenomicsOnRegistry", (m) => {
  const registry = m.contractAt("ConsortiumRegistry", m.getParameter<string>("registry"));
  const datasets = m.contract("GenomicDatasets", [registry]);
  const queries = m.contract("GenomicQueries", [registry, datasets], {
    libraries: { QueryBudgets: m.library("QueryBudgets") },
  });
  const interpretations = m.contract("VariantInterpretations", [registry]);
  return { datasets, queries, interpretations };
});
