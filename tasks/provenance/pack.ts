import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { DrugProvenance__factory } from "../../typechain-types/index.js";
import { runCli } from "../../src/chain/cli.js";
import { connectProvenance } from "../../src/provenance/connect.js";
import { opPack } from "../../src/provenance/ops.js";

interface Args {
  sscc: string;
  items: string;
  data: string;
  provenance: string;
  from: string;
}

export default async function pack(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runCli([DrugProvenance__factory.createInterface()], async () => {
    const { provenance } = await connectProvenance(hre, args.provenance, args.from);
    for (const line of await opPack(
      provenance,
      args.data,
      args.sscc,
      args.items
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== ""),
    ))
      console.log(line);
  });
}
