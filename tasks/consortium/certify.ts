import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { readBoundedFile } from "../../src/chain/files.js";
import { checkRegistrationCode, memberIdFromCode } from "../../src/chain/members.js";
import { isoDate } from "../../src/chain/values.js";
import { parseDate } from "../../src/consortium/args.js";
import { checkAddress } from "../../src/consortium/connect.js";
import { certify } from "../../src/consortium/governance.js";
import { metadataCommitment } from "../../src/consortium/ids.js";
import { kindNames, parseKinds } from "../../src/consortium/kinds.js";
import { MedChainError } from "../../src/chain/errors.js";
import { sendRegistryTx, type RegistryArgs } from "./shared.js";

interface Args extends RegistryArgs {
  code: string;
  kinds: string;
  account: string;
  until: string;
  documents: string;
}

/** Registration documents are hashed, never sent; 256 MiB covers scanned paperwork. */
const MAX_DOCUMENT_BYTES = 256 * 1024 * 1024;

export default async function certifyTask(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await sendRegistryTx(hre, args, () => {
    const code = checkRegistrationCode(args.code, "--code");
    if (args.documents === "") throw new MedChainError("--documents: the file of registration documents is required");
    const memberId = memberIdFromCode(code);
    const kinds = parseKinds(args.kinds);
    const account = checkAddress(args.account, "account");
    const certifiedUntil = parseDate(args.until, "until");
    return async (conn) => {
      const metadata = metadataCommitment(await readBoundedFile(args.documents, { maxBytes: MAX_DOCUMENT_BYTES }));
      const result = await certify(conn, { memberId, metadata, kinds, account, certifiedUntil });
      return [
        `certified ${code} (${kindNames(kinds).join(", ")}) until ${isoDate(certifiedUntil)} as member ${memberId}: ` +
          `proposal ${result.proposalId}; the governors now vote on its admission`,
        result,
      ];
    };
  });
}
