import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { runTask } from "../../src/chain/cli.js";
import { badInput } from "../../src/chain/errors.js";
import { sendTx } from "../../src/chain/send.js";
import { overdueBreakGlass } from "../../src/records/audit.js";
import { openRecords, type RecordsArgs } from "./shared.js";

interface Args extends RecordsArgs {
  id: string;
}

export default async function review(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runTask(args, async (io) => {
    if (args.id !== "" && !/^[1-9]\d{0,18}$/.test(args.id)) {
      throw badInput(`"${args.id}" is not a break-glass id (a number from 1)`, { field: "--id" });
    }
    const { conn, records } = await openRecords(hre, args, args.id === "");
    if (args.id === "") {
      const overdue = await overdueBreakGlass(records);
      if (overdue.length === 0) io.say("no overdue break-glass access");
      for (const e of overdue) {
        io.say(
          `#${e.id}  ${new Date(Number(e.accessedAt) * 1000).toISOString()}  member ${e.memberId}  record ${e.leaf} of ${e.issuer}  reason ${e.reasonCode}`,
        );
      }
      return { result: overdue };
    }
    const result = await sendTx(conn, () => records.markReviewed(BigInt(args.id)));
    io.say(`break-glass access #${args.id} marked reviewed (tx ${result.hash})`);
    return { result: { id: args.id, hash: result.hash } };
  });
}
