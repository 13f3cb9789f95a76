import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { isoDate } from "../../src/chain/values.js";
import { memberRef } from "../../src/chain/members.js";
import { parseDate } from "../../src/consortium/args.js";
import { renewCertification } from "../../src/consortium/governance.js";
import { sendRegistryTx, type RegistryArgs } from "./shared.js";

interface Args extends RegistryArgs {
  member: string;
  until: string;
}

export default async function renew(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await sendRegistryTx(hre, args, () => {
    const member = memberRef(args.member, "--member");
    const memberId = member.id;
    const until = parseDate(args.until, "until");
    const name = member.code === undefined ? memberId : `${member.code} (${memberId})`;
    return async (conn) => ({
      line: `renewed the certification of ${name} until ${isoDate(until)}`,
      result: await renewCertification(conn, { memberId, until }),
      data: { memberId, ...(member.code === undefined ? {} : { code: member.code }), certifiedUntil: isoDate(until) },
    });
  });
}
