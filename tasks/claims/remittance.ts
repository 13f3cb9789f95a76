import { writeFile } from "node:fs/promises";

import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { providerRemittance } from "../../src/claims/operations.js";
import { withClaims, type CommonArgs } from "./shared.js";

export default async function (args: CommonArgs & { provider: string; out: string }, hre: HardhatRuntimeEnvironment) {
  await withClaims(args, hre, async (c) => {
    const csv = await providerRemittance(c, args.provider);
    if (args.out === "") process.stdout.write(csv);
    else {
      await writeFile(args.out, csv);
      console.log(`wrote ${csv.trim().split("\n").length - 1} claim(s) to ${args.out}`);
    }
  });
}
