import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { RecordRegistry__factory } from "../../typechain-types/index.js";
import { runCli } from "../../src/chain/cli.js";
import { MedChainError } from "../../src/chain/errors.js";
import { connectRecords } from "../../src/records/connect.js";
import { overdueBreakGlass } from "../../src/records/audit.js";

interface Args {
  id: string;
  records: string;
  from: string;
}

export default async function review(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runCli([RecordRegistry__factory.createInterface()], async () => {
    if (args.id !== "" && !/^\d+$/.test(args.id)) throw new MedChainError(`--id: "${args.id}" is not a break-glass id`);
    const { records } = await connectRecords(hre, args.records, args.from);
    if (args.id === "") {
      const overdue = await overdueBreakGlass(records);
      if (overdue.length === 0) console.log("no overdue break-glass access");
      for (const e of overdue) {
        console.log(
          `#${e.id}  ${new Date(Number(e.accessedAt) * 1000).toISOString()}  member ${e.memberId}  record ${e.leaf} of ${e.issuer}  reason ${e.reasonCode}`,
        );
      }
      return;
    }
    const receipt = await (await records.markReviewed(BigInt(args.id))).wait();
    console.log(`break-glass access #${args.id} marked reviewed (tx ${receipt!.hash})`);
  });
}
