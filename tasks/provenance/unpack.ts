import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { DrugProvenance__factory } from "../../typechain-types/index.js";
import { runCli } from "../../src/chain/cli.js";
import { connectProvenance } from "../../src/provenance/connect.js";
import { opItem } from "../../src/provenance/ops.js";

interface Args {
  item: string;
  data: string;
  provenance: string;
  from: string;
}

export default async function unpack(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runCli([DrugProvenance__factory.createInterface()], async () => {
    const { provenance } = await connectProvenance(hre, args.provenance, args.from);
    for (const line of await opItem(provenance, args.data, "unpack", args.item)) console.log(line);
  });
}
