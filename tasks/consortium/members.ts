import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { ConsortiumRegistry__factory } from "../../typechain-types/index.js";
import { runCli } from "../../src/chain/cli.js";
import { connectRegistry } from "../../src/consortium/connect.js";
import { formatMembersTable } from "../../src/consortium/format.js";
import { listMembers } from "../../src/consortium/governance.js";

interface Args {
  registry: string;
}

export default async function members(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runCli([ConsortiumRegistry__factory.createInterface()], async () => {
    const { registry } = await connectRegistry(hre, args.registry);
    const rows = await listMembers(registry);
    console.log(rows.length === 0 ? "no members yet" : formatMembersTable(rows));
  });
}
