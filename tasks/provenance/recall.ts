import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { DrugProvenance__factory } from "../../typechain-types/index.js";
import { runCli } from "../../src/chain/cli.js";
import { connectProvenance } from "../../src/provenance/connect.js";
import { opRecall } from "../../src/provenance/ops.js";

interface Args {
  gtin: string;
  lot: string;
  provenance: string;
  from: string;
}

export default async function recall(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runCli([DrugProvenance__factory.createInterface()], async () => {
    const { provenance } = await connectProvenance(hre, args.provenance, args.from);
    for (const line of await opRecall(provenance, args.gtin, args.lot)) console.log(line);
  });
}
