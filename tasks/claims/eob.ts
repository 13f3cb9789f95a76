import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { parseId, writeEob } from "../../src/claims/operations.js";
import { withClaims, type CommonArgs } from "./shared.js";

export default async function (
  args: CommonArgs & { id: string; out: string; fhir: string },
  hre: HardhatRuntimeEnvironment,
) {
  await withClaims(args, hre, () => {
    const claimId = parseId(args.id, "id");
    const out = args.out === "" ? undefined : args.out;
    return async (c, io) => {
      const text = await writeEob(c, claimId, out, args.fhir === "" ? undefined : args.fhir);
      io.say(text);
      if (out !== undefined) io.say(`wrote ClaimResponse and ExplanationOfBenefit to ${out}`);
      return { result: { claimId, eob: text, ...(out === undefined ? {} : { out }) } };
    };
  });
}
