import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { proposalFrom } from "../../src/consortium/args.js";
import { memberRef } from "../../src/chain/members.js";
import { describeProposal } from "../../src/consortium/format.js";
import { propose, proposals } from "../../src/consortium/governance.js";
import { directoryOf, sendRegistryTx, type RegistryArgs } from "./shared.js";

interface Args extends RegistryArgs {
  action: string;
  member: string;
  account: string;
  kinds: string;
  threshold: string;
  module: string;
  until: string;
}

export default async function proposeTask(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await sendRegistryTx(hre, args, () => {
    const proposal = proposalFrom(args);
    return async (conn) => {
      const result = await propose(conn, proposal);
      const code = args.member === "" ? undefined : memberRef(args.member, "--member").code;
      const directory = await directoryOf(hre, [code]);
      const [row] = await proposals(conn, { from: result.proposalId });
      const what = row === undefined ? args.action : describeProposal(row, directory);
      return {
        line: `proposed ${what}: proposal ${result.proposalId}, open until ${new Date(Number(row?.expiresAt ?? 0n) * 1000).toISOString()}`,
        result,
        data: { proposalId: result.proposalId, action: row?.action, description: what },
      };
    };
  });
}
