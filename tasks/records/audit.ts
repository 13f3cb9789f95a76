import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { RecordRegistry__factory } from "../../typechain-types/index.js";
import { runCli } from "../../src/chain/cli.js";
import { auditCsv, auditTable, auditTrail } from "../../src/records/audit.js";
import { connectRecords } from "../../src/records/connect.js";
import { parseMemberRef } from "../../src/records/secrets.js";
import { checkAddress } from "../../src/consortium/connect.js";

interface Args {
  member: string;
  patients: string;
  csv: boolean;
  records: string;
}

export default async function audit(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runCli([RecordRegistry__factory.createInterface()], async () => {
    const member = args.member === "" ? undefined : parseMemberRef(args.member, "member");
    const patients =
      args.patients === "" ? undefined : args.patients.split(",").map((p) => checkAddress(p.trim(), "patients"));
    const { records } = await connectRecords(hre, args.records);
    const rows = await auditTrail(records, { member, patients });
    if (args.csv) process.stdout.write(auditCsv(rows));
    else console.log(rows.length === 0 ? "no accesses recorded" : auditTable(rows));
  });
}
