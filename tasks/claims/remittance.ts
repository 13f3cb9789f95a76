import { writeFile } from "node:fs/promises";

import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { badInput } from "../../src/chain/errors.js";
import { memberRef } from "../../src/chain/members.js";
import { providerRemittance } from "../../src/claims/operations.js";
import { remittanceCsv } from "../../src/claims/remittance.js";
import { indexerFromOption } from "../../src/indexer/client.js";
import { withClaims, type CommonArgs } from "./shared.js";

export default async function (
  args: CommonArgs & { provider: string; out: string; indexer: string },
  hre: HardhatRuntimeEnvironment,
) {
  await withClaims(args, hre, () => {
    const provider = memberRef(args.provider, "--provider");
    const indexer = indexerFromOption(args.indexer);
    return async (c, io) => {
      // With an indexer the claims come from one query; without one, from the engine's logs and state.
      const csv =
        indexer !== undefined
          ? remittanceCsv(await indexer.remittance({ provider: provider.id }), c.decimals)
          : await providerRemittance(c, provider.id);
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
