import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { authorise, parseId } from "../../src/claims/operations.js";
import { memberSecret, withClaims, type CommonArgs } from "./shared.js";

interface Args extends CommonArgs {
  plan: string;
  patient: string;
  system: string;
  code: string;
  units: string;
  validFrom: string;
  validUntil: string;
}

export default async function (args: Args, hre: HardhatRuntimeEnvironment) {
  await withClaims(args, hre, async () => {
    const planId = parseId(args.plan, "plan");
    const secret = await memberSecret(hre);
    return async (c, io) => {
      const txHash = await authorise(c, {
        planId,
        patientId: args.patient,
        secret,
        system: args.system,
        code: args.code,
        units: args.units,
        from: args.validFrom,
        until: args.validUntil,
      });
      io.say(
        `authorised ${args.units} unit(s) of ${args.code} from ${args.validFrom} to ${args.validUntil} (tx ${txHash})`,
      );
      return {
        result: {
          planId,
          system: args.system,
          code: args.code,
          units: args.units,
          validFrom: args.validFrom,
          validUntil: args.validUntil,
          hash: txHash,
        },
      };
    };
  });
}
