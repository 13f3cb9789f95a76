import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { runTask } from "../../src/chain/cli.js";
import { parseMemberRef } from "../../src/chain/members.js";
import { checkAddress } from "../../src/consortium/connect.js";
import { indexerFromOption } from "../../src/indexer/client.js";
import { auditCsv, auditTable, auditTrail } from "../../src/records/audit.js";
import { openRecords, type ReadRecordsArgs } from "./shared.js";

interface Args extends ReadRecordsArgs {
  member: string;
  patients: string;
  csv: boolean;
  indexer: string;
}

export default async function audit(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runTask(args, async (io) => {
    const member = args.member === "" ? undefined : parseMemberRef(args.member, "--member");
    const patients =
      args.patients === "" ? undefined : args.patients.split(",").map((p) => checkAddress(p.trim(), "patients"));
    const indexer = indexerFromOption(args.indexer);
    // With an indexer the report is one query; without one, the registry's logs are scanned.
    const rows =
      indexer !== undefined
        ? await indexer.accessAudit({ member, patients })
        : await auditTrail((await openRecords(hre, args, true)).records, { member, patients });
    if (args.csv) io.say(auditCsv(rows).replace(/\n$/, ""));
    else io.say(rows.length === 0 ? "no accesses recorded" : auditTable(rows));
    return { result: rows };
  });
}
