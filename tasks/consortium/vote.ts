import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { parseProposalId } from "../../src/consortium/args.js";
import { vote } from "../../src/consortium/governance.js";
import { sendRegistryTx, type RegistryArgs } from "./shared.js";

interface Args extends RegistryArgs {
  proposal: string;
}

export default async function voteTask(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await sendRegistryTx(hre, args, () => {
    const proposalId = parseProposalId(args.proposal);
    return async (conn) => [`voted for proposal ${proposalId}`, await vote(conn, { proposalId })];
  });
}
