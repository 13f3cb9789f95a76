import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { ConsortiumRegistry__factory, DrugProvenance__factory } from "../../typechain-types/index.js";
import { runCli } from "../../src/chain/cli.js";
import { connectProvenance } from "../../src/provenance/connect.js";
import { opPrefix } from "../../src/provenance/ops.js";

interface Args {
  assign: string;
  transfer: string;
  revoke: string;
  member: string;
  provenance: string;
  from: string;
}

export default async function prefix(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runCli([DrugProvenance__factory.createInterface(), ConsortiumRegistry__factory.createInterface()], async () => {
    const { provenance } = await connectProvenance(hre, args.provenance, args.from);
    for (const line of await opPrefix(provenance, args)) console.log(line);
  });
}
