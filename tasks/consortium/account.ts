import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { badInput } from "../../src/chain/errors.js";
import { loadAccountProof } from "../../src/consortium/account-proof.js";
import { checkAddress } from "../../src/consortium/connect.js";
import { addAccount, removeAccount } from "../../src/consortium/governance.js";
import { sendRegistryTx, type RegistryArgs } from "./shared.js";

interface Args extends RegistryArgs {
  add: string;
  remove: string;
  proof: string;
}

/**
 * Key rotation: a member adds one of its own operating accounts (with the new key's proof, from
 * `prove-account`) or removes one (no vote needed).
 */
export default async function rotateAccount(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await sendRegistryTx(hre, args, () => {
    if ((args.add === "") === (args.remove === "")) {
      throw badInput("give exactly one of --add <address> or --remove <address>", { field: "--add" });
    }
    if (args.add !== "") {
      const account = checkAddress(args.add, "add");
      if (args.proof === "") {
        throw badInput(`adding ${account} needs its proof of key (prove-account, signed by that key)`, {
          field: "--proof",
        });
      }
      return async (conn) => {
        const { proof } = await loadAccountProof(conn, args.proof, { account });
        return {
          line: `added operating account ${account}`,
          result: await addAccount(conn, { account, proof }),
          data: { account },
        };
      };
    }
    if (args.proof !== "") throw badInput("only --add takes a proof of key", { field: "--proof" });
    const account = checkAddress(args.remove, "remove");
    return async (conn) => ({
      line: `removed operating account ${account}: it has no rights from now on, for good`,
      result: await removeAccount(conn, { account }),
      data: { account },
    });
  });
}
