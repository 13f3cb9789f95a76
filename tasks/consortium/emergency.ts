import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { MedChainError } from "../../src/chain/errors.js";
import { memberRef } from "../../src/chain/members.js";
import { parseModule } from "../../src/consortium/args.js";
import { pauseModule, suspendNow } from "../../src/consortium/governance.js";
import { sendRegistryTx, type RegistryArgs } from "./shared.js";

interface Args extends RegistryArgs {
  suspend: string;
  pause: string;
}

/** Emergencies: the certifier suspends a member at once, or a governor pauses a module at once. */
export default async function emergency(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await sendRegistryTx(hre, args, () => {
    if ((args.suspend === "") === (args.pause === "")) {
      throw new MedChainError("give exactly one of --suspend <member> or --pause <module>");
    }
    if (args.suspend !== "") {
      const member = memberRef(args.suspend, "--suspend");
      const name = member.code === undefined ? member.id : `${member.code} (${member.id})`;
      return async (conn) => [
        `suspended member ${name} at once; only a governors' vote (propose --action Reinstate) lifts it`,
        await suspendNow(conn, { memberId: member.id }),
      ];
    }
    const moduleId = parseModule(args.pause);
    return async (conn) => [
      `paused module ${args.pause} for one voting period; the governors confirm it (propose --action Pause) or lift it (propose --action Unpause)`,
      await pauseModule(conn, { moduleId }),
    ];
  });
}
