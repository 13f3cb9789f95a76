import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { DrugProvenance__factory } from "../../typechain-types/index.js";
import { runCli } from "../../src/chain/cli.js";
import { connectProvenance } from "../../src/provenance/connect.js";
import { opShip } from "../../src/provenance/ops.js";

interface Args {
  item: string;
  to: string;
  data: string;
  provenance: string;
  from: string;
}

export default async function ship(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runCli([DrugProvenance__factory.createInterface()], async () => {
    const { provenance } = await connectProvenance(hre, args.provenance, args.from);
    for (const line of await opShip(provenance, args.data, args.item, args.to)) console.log(line);
  });
}
