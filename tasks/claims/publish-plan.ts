import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { reportTx } from "../../src/chain/cli.js";
import { MedChainError } from "../../src/chain/errors.js";
import { parseId, publishPlan } from "../../src/claims/operations.js";
import { withClaims, type CommonArgs } from "./shared.js";

export default async function (args: CommonArgs & { file: string; revise: string }, hre: HardhatRuntimeEnvironment) {
  await withClaims(args, hre, async (c) => {
    if (args.file === "") throw new MedChainError("--file: the plan JSON file is required");
    const revise = args.revise === "" ? undefined : parseId(args.revise, "revise");
    const { planId, txHash } = await publishPlan(c, args.file, revise);
    reportTx(revise === undefined ? `published plan ${planId}` : `revised plan ${planId}`, txHash);
  });
}
