import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { isoDate } from "../../src/chain/values.js";
import { parseDate, parseMember } from "../../src/consortium/args.js";
import { renewCertification } from "../../src/consortium/governance.js";
import { sendRegistryTx, type RegistryArgs } from "./shared.js";

interface Args extends RegistryArgs {
  member: string;
  until: string;
}

export default async function renew(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await sendRegistryTx(hre, args, () => {
    const memberId = parseMember(args.member);
    const until = parseDate(args.until, "until");
    return async (conn) => [
      `renewed the certification of ${memberId} until ${isoDate(until)}`,
      await renewCertification(conn, { memberId, until }),
    ];
  });
}
