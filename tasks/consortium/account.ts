import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { MedChainError } from "../../src/chain/errors.js";
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
      throw new MedChainError("give exactly one of --add <address> or --remove <address>");
    }
    if (args.add !== "") {
      const account = checkAddress(args.add, "add");
      if (args.proof === "") {
        throw new MedChainError(
          `--proof: adding ${account} needs its proof of key (prove-account, signed by that key)`,
        );
      }
      return async (conn) => {
        const { proof } = await loadAccountProof(conn, args.proof, { account });
        return [`added operating account ${account}`, await addAccount(conn, { account, proof })];
      };
    }
    if (args.proof !== "") throw new MedChainError("--proof: only --add takes a proof of key");
    const account = checkAddress(args.remove, "remove");
    return async (conn) => [
      `removed operating account ${account}: it has no rights from now on, for good`,
      await removeAccount(conn, { account }),
    ];
  });
}
