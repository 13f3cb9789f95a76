import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { parseProposalId } from "../../src/consortium/args.js";
import { sendRegistryTx, type RegistryArgs } from "./shared.js";

interface Args extends RegistryArgs {
  proposal: string;
}

export default async function vote(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await sendRegistryTx(hre, args, () => {
    const id = parseProposalId(args.proposal);
    return (registry) => [`voted for proposal ${id}`, registry.vote(id)];
  });
}
