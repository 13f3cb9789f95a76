import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import type { RuleChange } from "../../src/genomics/client.js";
import { opProposeRule, parseRuleChange } from "../../src/genomics/operator.js";
import { genomicsTask, type GenomicsArgs } from "./shared.js";

type Args = GenomicsArgs & Parameters<typeof parseRuleChange>[0];

export default async function proposeRule(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  let change: RuleChange | undefined;
  await genomicsTask(hre, args, (c) => opProposeRule(c, change!), {
    prepare: () => {
      change = parseRuleChange(args);
    },
  });
}
