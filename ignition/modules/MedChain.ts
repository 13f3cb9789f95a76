import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

import ClaimsModule from "./Claims.js";
import ConsortiumModule from "./Consortium.js";
import ProvenanceModule from "./Provenance.js";
import RecordsModule from "./Records.js";

/**
 * The whole suite in one deployment: the consortium registry, then every module wired to it (and
 * claims to the record registry). Parameters: `Consortium` (certifier, governors, threshold,
 * votingPeriod) and `Claims.token` (the settlement ERC-20). See ignition/parameters/localhost.json.
 */
export default buildModule("MedChain", (m) => {
  const { registry } = m.useModule(ConsortiumModule);
  const { records } = m.useModule(RecordsModule);
  const { provenance } = m.useModule(ProvenanceModule);
  const { plans, engine, vault } = m.useModule(ClaimsModule);
  return { registry, records, provenance, plans, engine, vault };
});
