import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { parseId, writeEob } from "../../src/claims/operations.js";
import { withClaims, type CommonArgs } from "./shared.js";

export default async function (
  args: CommonArgs & { id: string; out: string; fhir: string },
  hre: HardhatRuntimeEnvironment,
) {
  await withClaims(args, hre, async (c) => {
    const claimId = parseId(args.id, "id");
    const out = args.out === "" ? `eob-${claimId}.json` : args.out;
    console.log(await writeEob(c, claimId, out, args.fhir === "" ? undefined : args.fhir));
    console.log(`wrote ClaimResponse and ExplanationOfBenefit to ${out}`);
  });
}
