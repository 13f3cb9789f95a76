import type { ContractTransactionReceipt, Signer } from "ethers";

import type { ConsortiumRegistry } from "../../typechain-types/index.js";
import { MedChainError } from "../chain/errors.js";
import { mined } from "../chain/send.js";
import { MEMBER_STATUS, kindNames, type MemberKindName, type MemberStatusName } from "./kinds.js";

/** An institution applying to join, as the certifier submits it. */
export interface Applicant {
  memberId: string;
  metadata: string;
  kinds: number;
  account: string;
  certifiedUntil: bigint;
}

/** A member as shown to operators. */
export interface MemberRow {
  memberId: string;
  kinds: MemberKindName[];
  status: MemberStatusName;
  /** True when the status is Active but the certification has lapsed. */
  expired: boolean;
  certifiedUntil: bigint;
  accounts: string[];
}

/** The id of the proposal a `certify` or `propose` receipt created. */
export function proposalIdFrom(registry: ConsortiumRegistry, receipt: ContractTransactionReceipt): bigint {
  for (const log of receipt.logs) {
    const parsed = registry.interface.parseLog(log);
    if (parsed?.name === "ProposalCreated") return parsed.args.proposalId as bigint;
  }
  throw new MedChainError(`transaction ${receipt.hash} created no proposal`);
}

/** The certifier certifies an applicant; returns the admission proposal id. */
export async function certifyApplicant(
  registry: ConsortiumRegistry,
  certifier: Signer,
  applicant: Applicant,
): Promise<{ proposalId: bigint; receipt: ContractTransactionReceipt }> {
  const receipt = await mined(
    registry
      .connect(certifier)
      .certify(applicant.memberId, applicant.metadata, applicant.kinds, applicant.account, applicant.certifiedUntil),
  );
  return { proposalId: proposalIdFrom(registry, receipt), receipt };
}

/** Each governor votes for the proposal, then the last one executes it. */
export async function voteAndExecute(
  registry: ConsortiumRegistry,
  governors: Signer[],
  proposalId: bigint,
): Promise<ContractTransactionReceipt> {
  for (const governor of governors) {
    await mined(registry.connect(governor).vote(proposalId));
  }
  const executor = governors[governors.length - 1] ?? registry.runner;
  return mined(registry.connect(executor as Signer).execute(proposalId));
}

/** Certify and admit in one go: what the demo and test fixtures do for each institution. */
export async function admitMember(
  registry: ConsortiumRegistry,
  certifier: Signer,
  governors: Signer[],
  applicant: Applicant,
): Promise<bigint> {
  const { proposalId } = await certifyApplicant(registry, certifier, applicant);
  await voteAndExecute(registry, governors, proposalId);
  return proposalId;
}

/** Every member with its kinds, status, expiry and accounts. */
export async function listMembers(registry: ConsortiumRegistry): Promise<MemberRow[]> {
  const ids = await registry.memberIds();
  const latest = await registry.runner?.provider?.getBlock("latest");
  const now = BigInt(latest?.timestamp ?? Math.floor(Date.now() / 1000));
  return Promise.all(
    ids.map(async (memberId) => {
      const [member, accounts] = await Promise.all([registry.getMember(memberId), registry.accountsOf(memberId)]);
      const status = MEMBER_STATUS[Number(member.status)] ?? "None";
      return {
        memberId,
        kinds: kindNames(member.kinds),
        status,
        expired: member.certifiedUntil <= now,
        certifiedUntil: member.certifiedUntil,
        accounts: [...accounts],
      };
    }),
  );
}
