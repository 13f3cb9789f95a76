import ConsortiumModule from "../../ignition/modules/Consortium.js";
import { describeError } from "../../src/chain/errors.js";
import { accountProofFor } from "../../src/consortium/account-proof.js";
import { admitMember, listMembers } from "../../src/consortium/governance.js";
import { memberIdFromCode, metadataCommitment } from "../../src/consortium/ids.js";
import { kindMask, type MemberKindName } from "../../src/consortium/kinds.js";
import { formatMembersTable } from "../../src/consortium/format.js";
import type { Chapter, Story } from "./story.js";

type Institution = keyof Story["memberIds"];

/** Invented institutions: name (kept off chain), public registration code, kinds. */
const INSTITUTIONS: Array<{ who: Institution; name: string; code: string; kinds: MemberKindName[] }> = [
  { who: "hospitalA", name: "Riverside General Hospital", code: "HOSP-0001", kinds: ["Hospital"] },
  { who: "hospitalB", name: "Lakeview University Hospital", code: "HOSP-0002", kinds: ["Hospital"] },
  { who: "lab", name: "Northgate Clinical Laboratory", code: "LAB-0001", kinds: ["Laboratory"] },
  { who: "manufacturer", name: "Aurora Pharmaceuticals", code: "MFR-0001", kinds: ["Manufacturer"] },
  { who: "distributor", name: "Meridian Medical Logistics", code: "DST-0001", kinds: ["Distributor"] },
  { who: "pharmacy", name: "Harbour Street Pharmacy", code: "PHA-0001", kinds: ["Pharmacy"] },
  { who: "insurer", name: "Commonwealth Health Mutual", code: "INS-0001", kinds: ["Insurer"] },
  { who: "regulator", name: "National Health Products Authority", code: "REG-0001", kinds: ["Regulator"] },
];

/** Chapter 1: the national institute certifies the members and the governors vote them in. */
export const consortiumChapter: Chapter = async (story) => {
  const { connection, cast } = story;
  story.chapter("The consortium is formed");

  const { registry } = await connection.ignition.deploy(ConsortiumModule, {
    parameters: {
      Consortium: {
        certifier: cast.institute.address,
        governors: cast.governors.map((g) => g.address),
        threshold: 2n,
        votingPeriod: 7n * 24n * 3600n,
      },
    },
    displayUi: false,
  });
  const registryContract = await connection.ethers.getContractAt("ConsortiumRegistry", await registry.getAddress());
  story.contracts.registry = registryContract;
  story.say(
    `The National Genomics Institute deploys the consortium registry at ${await registry.getAddress()}, ` +
      `with 3 governors of whom 2 must agree on every decision.`,
  );

  const now = BigInt((await connection.ethers.provider.getBlock("latest"))!.timestamp);
  for (const inst of INSTITUTIONS) {
    const memberId = memberIdFromCode(inst.code);
    const applicant = {
      memberId,
      metadata: metadataCommitment(`${inst.name}|${inst.code}`),
      kinds: kindMask(...inst.kinds),
      account: cast[inst.who].address,
      certifiedUntil: now + 365n * 24n * 3600n,
    };
    // The applicant's operating key signs its proof of key (an EIP-712 signature naming the member).
    await admitMember(registryContract, cast.institute, cast.governors.slice(0, 2), applicant, cast[inst.who]);
    story.memberIds[inst.who] = memberId;
    story.say(
      `The institute certifies ${inst.name} (${inst.kinds.join(", ")}); two governors vote and it is admitted. ` +
        `On chain: only its id ${memberId.slice(0, 10)}… and a hash of its documents.`,
    );
  }
  story.say(
    "Each applicant's operating key signed its own agreement first (an EIP-712 proof naming the member, the " +
      "registry and the chain): nobody can bind, or retire, a key it does not hold.",
  );

  // Key rotation: the new key signs for Riverside; Lakeview copies the proof from the pending transaction.
  const newKey = cast.people.at(-1)!;
  const proof = await accountProofFor(registryContract, newKey, story.memberIds.hospitalA!);
  let frontRun = "accepted (it should not be)";
  try {
    await (await registryContract.connect(cast.hospitalB).addAccount(newKey.address, proof)).wait();
  } catch (err) {
    frontRun = describeError(err, [registryContract]);
  }
  await (await registryContract.connect(cast.hospitalA).addAccount(newKey.address, proof)).wait();
  story.say(
    `Riverside rotates in a new operating key ${newKey.address.slice(0, 10)}…, which signs its proof for Riverside. ` +
      `Lakeview copies the proof from the pending transaction and sends it first: ${frontRun}. ` +
      `Riverside's own transaction then binds the key.`,
  );

  story.say("The member list, as any operator sees it with `npx hardhat consortium members`:");
  console.log(formatMembersTable(await listMembers(registryContract)).replace(/^/gm, "        "));
};
