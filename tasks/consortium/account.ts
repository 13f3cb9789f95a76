import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { MedChainError } from "../../src/chain/errors.js";
import { checkAddress } from "../../src/consortium/connect.js";
import { addAccount, removeAccount } from "../../src/consortium/governance.js";
import { sendRegistryTx, type RegistryArgs } from "./shared.js";

interface Args extends RegistryArgs {
  add: string;
  remove: string;
}

/** Key rotation: a member adds or removes one of its own operating accounts (no vote needed). */
export default async function rotateAccount(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await sendRegistryTx(hre, args, () => {
    if ((args.add === "") === (args.remove === "")) {
      throw new MedChainError("give exactly one of --add <address> or --remove <address>");
    }
    if (args.add !== "") {
      const account = checkAddress(args.add, "add");
      return async (conn) => [`added operating account ${account}`, await addAccount(conn, { account })];
    }
    const account = checkAddress(args.remove, "remove");
    return async (conn) => [
      `removed operating account ${account}: it has no rights from now on, for good`,
      await removeAccount(conn, { account }),
    ];
  });
}
