import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

import ConsortiumModule from "./Consortium.js";

/** Deploys the RecordRegistry against the consortium's registry (module id "Records"). */
export default buildModule("Records", (m) => {
  const { registry } = m.useModule(ConsortiumModule);
  const records = m.contract("RecordRegistry", [registry]);
  return { records };
});
