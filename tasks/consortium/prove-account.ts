import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import { runTask } from "../../src/chain/cli.js";
import { badInput } from "../../src/chain/errors.js";
import { isoDate } from "../../src/chain/values.js";
import { proveAccount, writeAccountProof } from "../../src/consortium/account-proof.js";
import { parseDate, parseMember } from "../../src/consortium/args.js";
import { connectRegistry, type RegistryArgs } from "./shared.js";

interface Args extends RegistryArgs {
  member: string;
  until: string;
  out: string;
}

/**
 * The holder of a new operating key signs its agreement to operate for a member (no transaction):
 * the member submits the file with `account --add --proof`, or the certifier with `certify --proof`.
 */
export default async function proveAccountTask(args: Args, hre: HardhatRuntimeEnvironment): Promise<void> {
  await runTask(args, async (io) => {
    const memberId = parseMember(args.member);
    const deadline = args.until === "" ? undefined : parseDate(args.until, "until");
    if (args.out === "") throw badInput("the file to write the proof to is required", { field: "--out" });
    const proof = await proveAccount(await connectRegistry(hre, args), { memberId, deadline });
    await writeAccountProof(args.out, proof);
    io.say(
      `wrote ${args.out}: ${proof.account} agrees to operate for member ${memberId} ` +
        `(valid until ${isoDate(BigInt(proof.deadline))}, nonce ${proof.nonce}); ` +
        `hand it to that member (account --add) or, for an applicant, to the certifier (certify --proof)`,
    );
    return { result: { file: args.out, ...proof } };
  });
}
