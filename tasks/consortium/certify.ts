import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { badInput } from "../../src/chain/errors.js";
import { readBoundedFile } from "../../src/chain/files.js";
import { checkRegistrationCode, memberIdFromCode } from "../../src/chain/members.js";
import { isoDate } from "../../src/chain/values.js";
import { parseDate } from "../../src/consortium/args.js";
import { loadAccountProof } from "../../src/consortium/account-proof.js";
import { checkAddress } from "../../src/consortium/connect.js";
import { certify } from "../../src/consortium/governance.js";
import { metadataCommitment } from "../../src/consortium/ids.js";
import { kindNames, parseKinds } from "../../src/consortium/kinds.js";
import { sendRegistryTx, type RegistryArgs } from "./shared.js";

interface Args extends RegistryArgs {
  code: string;
  kinds: string;
  account: string;
  until: string;
  documents: string;
  proof: string;
}

/** Registration documents are hashed, never sent; 256 MiB covers scanned paperwork. */
const MAX_DOCUMENT_BYTES = 256 * 1024 * 1024;

export default async function certifyTask(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await sendRegistryTx(hre, args, () => {
    const code = checkRegistrationCode(args.code, "--code");
    if (args.documents === "")
      throw badInput("the file of registration documents is required", { field: "--documents" });
    const memberId = memberIdFromCode(code);
    const kinds = parseKinds(args.kinds, "--kinds");
    const named = args.account === "" ? undefined : checkAddress(args.account, "account");
    const certifiedUntil = parseDate(args.until, "until");
    if (args.proof === "") {
      throw badInput("the applicant account's proof of key is required (prove-account, signed by it)", {
        field: "--proof",
      });
    }
    return async (conn) => {
      const { account, proof: accountProof } = await loadAccountProof(conn, args.proof, { memberId, account: named });
      const metadata = metadataCommitment(await readBoundedFile(args.documents, { maxBytes: MAX_DOCUMENT_BYTES }));
      const result = await certify(conn, { memberId, metadata, kinds, account, certifiedUntil, accountProof });
      return {
        line:
          `certified ${code} (${kindNames(kinds).join(", ")}) until ${isoDate(certifiedUntil)} as member ${memberId} ` +
          `with account ${account}: ` +
          `proposal ${result.proposalId}; the governors now vote on its admission`,
        result,
        data: {
          proposalId: result.proposalId,
          memberId,
          code,
          kinds: kindNames(kinds),
          certifiedUntil: isoDate(certifiedUntil),
        },
      };
    };
  });
}
