import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { runTask } from "../../src/chain/cli.js";
import { describeProposal, formatProposalsTable } from "../../src/consortium/format.js";
import { proposals } from "../../src/consortium/governance.js";
import type { CommonArgs } from "../options.js";
import { connectRegistry, directoryOf } from "./shared.js";

interface Args extends CommonArgs {
  open: boolean;
  registry: string;
}

export default async function proposalsTask(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runTask(args, async (io) => {
    const directory = await directoryOf(hre);
    const rows = await proposals(await connectRegistry(hre, args, true), { openOnly: args.open });
    io.say(rows.length === 0 ? "no proposals" : formatProposalsTable(rows, directory));
    return {
      result: rows.map((r) => ({
        ...r,
        ...(r.memberId === undefined ? {} : { member: directory.ref(r.memberId) }),
        description: describeProposal(r, directory),
        expiresAt: new Date(Number(r.expiresAt) * 1000).toISOString(),
        ...(r.certifiedUntil === undefined
          ? {}
          : { certifiedUntil: new Date(Number(r.certifiedUntil) * 1000).toISOString().slice(0, 10) }),
      })),
    };
  });
}
