import { writeFile } from "node:fs/promises";

import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { badInput } from "../../src/chain/errors.js";
import { memberRef } from "../../src/chain/members.js";
import { providerRemittance } from "../../src/claims/operations.js";
import { withClaims, type CommonArgs } from "./shared.js";

export default async function (args: CommonArgs & { provider: string; out: string }, hre: HardhatRuntimeEnvironment) {
  await withClaims(args, hre, () => {
    const provider = memberRef(args.provider, "--provider");
    return async (c, io) => {
      const csv = await providerRemittance(c, provider.id);
      const count = csv.trim().split("\n").length - 1;
      if (args.out === "") io.say(csv.trimEnd());
      else {
        try {
          await writeFile(args.out, csv);
        } catch (err) {
          throw badInput(`cannot write it: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, {
            field: "--out",
            file: args.out,
          });
        }
        io.say(`wrote ${count} claim(s) to ${args.out}`);
      }
      return {
        result: { provider: provider.id, ...(provider.code ? { code: provider.code } : {}), claims: count, csv },
      };
    };
  });
}
