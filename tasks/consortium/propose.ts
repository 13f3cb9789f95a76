import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { ZeroAddress, ZeroHash } from "ethers";

import { checkAddress } from "../../src/consortium/connect.js";
import { parseAction, parseMember, parseModule } from "../../src/consortium/args.js";
import { ProposalAction, parseKinds } from "../../src/consortium/kinds.js";
import { MedChainError } from "../../src/chain/errors.js";
import { sendRegistryTx, type RegistryArgs } from "./shared.js";

interface Args extends RegistryArgs {
  action: string;
  member: string;
  account: string;
  kinds: string;
  threshold: string;
  module: string;
}

export default async function propose(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await sendRegistryTx(hre, args, () => {
    const action = parseAction(args.action);
    let target = ZeroHash;
    let account = ZeroAddress;
    let kinds = 0;
    let value = 0n;
    switch (action) {
      case ProposalAction.SetKinds:
        target = parseMember(args.member);
        kinds = parseKinds(args.kinds);
        break;
      case ProposalAction.Suspend:
      case ProposalAction.Reinstate:
      case ProposalAction.Revoke:
        target = parseMember(args.member);
        break;
      case ProposalAction.AddGovernor:
      case ProposalAction.RemoveGovernor:
      case ProposalAction.SetCertifier:
        account = checkAddress(args.account, "account");
        break;
      case ProposalAction.SetThreshold:
        if (!/^[1-9]\d*$/.test(args.threshold))
          throw new MedChainError(`--threshold: "${args.threshold}" is not a positive number`);
        value = BigInt(args.threshold);
        break;
      default:
        target = parseModule(args.module);
    }
    return (registry) => [`proposed ${args.action}`, registry.propose(action, target, account, kinds, value)];
  });
}
