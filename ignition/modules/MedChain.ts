import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

import ClaimsModule from "./Claims.js";
import ConsortiumModule from "./Consortium.js";
import GenomicsModule from "./Genomics.js";
import ProvenanceModule from "./Provenance.js";
import RecordsModule from "./Records.js";

/**
 * The whole suite in one deployment: the consortium registry, then every module wired to it (and
 * claims to the record registry; genomics datasets to its query book). Parameters: `Consortium` (certifier, governors, threshold,
 * votingPeriod) and `Claims.token` (the settlement ERC-20). See ignition/parameters/localhost.json.
 */
export default buildModule("MedChain", (m) => {
  const { registry } = m.useModule(ConsortiumModule);
  const { records } = m.useModule(RecordsModule);
  const { provenance } = m.useModule(ProvenanceModule);
  const { plans, engine, vault } = m.useModule(ClaimsModule);
  const { datasets, queries, interpretations } = m.useModule(GenomicsModule);
  return { registry, records, provenance, plans, engine, vault, datasets, queries, interpretations };
});
