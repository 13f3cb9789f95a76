import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { proposalFrom } from "../../src/consortium/args.js";
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

export default async function propose(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await sendRegistryTx(hre, args, () => {
    const p = proposalFrom(args);
    return (registry) => [`proposed ${args.action}`, registry.propose(p.action, p.target, p.account, p.kinds, p.value)];
  });
}
