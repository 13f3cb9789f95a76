import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { DrugProvenance__factory } from "../../typechain-types/index.js";
import { runCli } from "../../src/chain/cli.js";
import { connectProvenance } from "../../src/provenance/connect.js";
import { opExport } from "../../src/provenance/ops.js";

interface Args {
  item: string;
  out: string;
  data: string;
  provenance: string;
}

export default async function exportEpcisTask(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runCli([DrugProvenance__factory.createInterface()], async () => {
    const { provenance } = await connectProvenance(hre, args.provenance);
    for (const line of await opExport(provenance, args.data, args.item, args.out)) console.log(line);
  });
}
