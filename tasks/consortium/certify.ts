import { readFile } from "node:fs/promises";

import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { MedChainError } from "../../src/chain/errors.js";
import { checkAddress } from "../../src/consortium/connect.js";
import { memberIdFromCode, metadataCommitment } from "../../src/consortium/ids.js";
import { kindNames, parseKinds } from "../../src/consortium/kinds.js";
import { parseDate } from "../../src/consortium/args.js";
import { sendRegistryTx, type RegistryArgs } from "./shared.js";

interface Args extends RegistryArgs {
  code: string;
  kinds: string;
  account: string;
  until: string;
  documents: string;
}

export default async function certify(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await sendRegistryTx(hre, args, () => {
    if (args.code === "") throw new MedChainError("--code: the institution's registration code is required");
    if (args.documents === "") throw new MedChainError("--documents: the file of registration documents is required");
    const memberId = memberIdFromCode(args.code);
    const kinds = parseKinds(args.kinds);
    const account = checkAddress(args.account, "account");
    const until = parseDate(args.until, "until");
    return (registry) => [
      `certified ${args.code} (${kindNames(kinds).join(", ")}) as member ${memberId}; the governors now vote on its admission`,
      readFile(args.documents)
        .catch((err: Error) => {
          throw new MedChainError(`--documents: cannot read ${args.documents} (${err.message})`);
        })
        .then((docs) => registry.certify(memberId, metadataCommitment(docs), kinds, account, until)),
    ];
  });
}
