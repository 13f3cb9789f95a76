import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { DrugProvenance__factory } from "../../typechain-types/index.js";
import { runCli } from "../../src/chain/cli.js";
import { connectProvenance } from "../../src/provenance/connect.js";
import { normalizeCode } from "../../src/provenance/ids.js";
import { scanFromLabel } from "../../src/provenance/resolve.js";
import { opDispense } from "../../src/provenance/ops.js";

interface Args {
  label: string;
  code: string;
  data: string;
  provenance: string;
  from: string;
}

export default async function dispense(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runCli([DrugProvenance__factory.createInterface()], async () => {
    // Malformed labels and codes are refused before anything is asked of the chain.
    scanFromLabel(args.label, normalizeCode(args.code));
    const { provenance } = await connectProvenance(hre, args.provenance, args.from);
    for (const line of await opDispense(provenance, args.data, args.label, args.code)) console.log(line);
  });
}
