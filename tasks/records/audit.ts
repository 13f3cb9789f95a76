import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { runTask } from "../../src/chain/cli.js";
import { parseMemberRef } from "../../src/chain/members.js";
import { checkAddress } from "../../src/consortium/connect.js";
import { auditCsv, auditTable, auditTrail } from "../../src/records/audit.js";
import { openRecords, type ReadRecordsArgs } from "./shared.js";

interface Args extends ReadRecordsArgs {
  member: string;
  patients: string;
  csv: boolean;
}

export default async function audit(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runTask(args, async (io) => {
    const member = args.member === "" ? undefined : parseMemberRef(args.member, "--member");
    const patients =
      args.patients === "" ? undefined : args.patients.split(",").map((p) => checkAddress(p.trim(), "patients"));
    const { records } = await openRecords(hre, args, true);
    const rows = await auditTrail(records, { member, patients });
    if (args.csv) io.say(auditCsv(rows).replace(/\n$/, ""));
    else io.say(rows.length === 0 ? "no accesses recorded" : auditTable(rows));
    return { result: rows };
  });
}
