import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { parseDate, parseMember } from "../../src/consortium/args.js";
import { sendRegistryTx, type RegistryArgs } from "./shared.js";

interface Args extends RegistryArgs {
  member: string;
  until: string;
}

export default async function renew(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await sendRegistryTx(hre, args, () => {
    const memberId = parseMember(args.member);
    const until = parseDate(args.until, "until");
    return (registry) => [
      `renewed the certification of ${memberId} until ${new Date(Number(until) * 1000).toISOString().slice(0, 10)}`,
      registry.renewCertification(memberId, until),
    ];
  });
}
