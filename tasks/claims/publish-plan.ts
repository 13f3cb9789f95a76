import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { badInput } from "../../src/chain/errors.js";
import { parseId, publishPlan } from "../../src/claims/operations.js";
import { withClaims, type CommonArgs } from "./shared.js";

export default async function (args: CommonArgs & { file: string; revise: string }, hre: HardhatRuntimeEnvironment) {
  await withClaims(args, hre, () => {
    if (args.file === "") throw badInput("the plan JSON file is required", { field: "--file" });
    const revise = args.revise === "" ? undefined : parseId(args.revise, "revise");
    return async (c, io) => {
      const { planId, txHash } = await publishPlan(c, args.file, revise);
      io.say(`${revise === undefined ? "published" : "revised"} plan ${planId} (tx ${txHash})`);
      return { result: { planId, revised: revise !== undefined, hash: txHash } };
    };
  });
}
