import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { runCli } from "../../src/chain/cli.js";
import { connectHardhat } from "../../src/chain/hardhat.js";
import { formatMembersTable } from "../../src/consortium/format.js";
import { members } from "../../src/consortium/governance.js";

interface Args {
  registry: string;
}

export default async function membersTask(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runCli([], async () => {
    const conn = await connectHardhat(hre, { readOnly: true, addresses: { registry: args.registry } });
    const rows = await members(conn);
    console.log(rows.length === 0 ? "no members yet" : formatMembersTable(rows));
  });
}
