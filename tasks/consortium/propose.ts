import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { proposalFrom } from "../../src/consortium/args.js";
import { propose } from "../../src/consortium/governance.js";
import { sendRegistryTx, type RegistryArgs } from "./shared.js";

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
      return [`proposed ${args.action}: proposal ${result.proposalId}`, result];
    };
  });
}
