import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { parseProposalId } from "../../src/consortium/args.js";
import { proposals, vote } from "../../src/consortium/governance.js";
import { sendRegistryTx, type RegistryArgs } from "./shared.js";

interface Args extends RegistryArgs {
  proposal: string;
}

export default async function voteTask(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await sendRegistryTx(hre, args, () => {
    const proposalId = parseProposalId(args.proposal);
    return async (conn) => {
      const result = await vote(conn, { proposalId });
      const [row] = await proposals(conn, { from: proposalId });
      const votes = row === undefined ? "" : `: ${row.votes} of ${row.threshold} votes, ${row.state}`;
      return {
        line: `voted for proposal ${proposalId}${votes}`,
        result,
        data: { proposalId, votes: row?.votes, threshold: row?.threshold, state: row?.state },
      };
    };
  });
}
