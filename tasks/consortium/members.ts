import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { runTask } from "../../src/chain/cli.js";
import { isoDate } from "../../src/chain/values.js";
import { formatMembersTable } from "../../src/consortium/format.js";
import { members } from "../../src/consortium/governance.js";
import type { CommonArgs } from "../options.js";
import { connectRegistry, directoryOf } from "./shared.js";

interface Args extends CommonArgs {
  registry: string;
}

export default async function membersTask(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runTask(args, async (io) => {
    const directory = await directoryOf(hre);
    const rows = await members(await connectRegistry(hre, args, true));
    io.say(rows.length === 0 ? "no members yet" : formatMembersTable(rows, directory));
    return {
      result: rows.map((r) => ({
        ...directory.ref(r.memberId),
        kinds: r.kinds,
        status: r.expired && r.status === "Active" ? "Expired" : r.status,
        certifiedUntil: isoDate(r.certifiedUntil),
        accounts: r.accounts,
      })),
    };
  });
}
