import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { parseProposalId } from "../../src/consortium/args.js";
import { sendRegistryTx, type RegistryArgs } from "./shared.js";

interface Args extends RegistryArgs {
  proposal: string;
}

export default async function execute(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await sendRegistryTx(hre, args, () => {
    const id = parseProposalId(args.proposal);
    return (registry) => [`executed proposal ${id}`, registry.execute(id)];
  });
}
