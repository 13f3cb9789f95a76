import type { ContractTransactionReceipt, Signer } from "ethers";

import type { ConsortiumRegistry } from "../../typechain-types/index.js";
import { withSigner, type Connection } from "../chain/connection.js";
import { MedChainError } from "../chain/errors.js";
import { decodeEvents, mined, requireEvent, sendTx, type TxResult } from "../chain/send.js";
import type { ProposalArgs } from "./args.js";
import { openRegistry } from "./connect.js";
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

/** A write that opened a proposal (`certify`, `propose`): the result and the new proposal's id. */
export interface ProposalResult extends TxResult {
  proposalId: bigint;
}

function withProposal(result: TxResult): ProposalResult {
  return { ...result, proposalId: requireEvent(result, "ProposalCreated").args.proposalId as bigint };
}

/** The certifier certifies an applicant, opening its admission vote. */
export async function certify(conn: Connection, applicant: Applicant): Promise<ProposalResult> {
  const registry = await openRegistry(conn);
  const { memberId, metadata, kinds, account, certifiedUntil } = applicant;
  return withProposal(await sendTx(conn, registry.certify(memberId, metadata, kinds, account, certifiedUntil)));
}

/** A governor proposes a change (see `proposalFrom` for the arguments of each action). */
export async function propose(conn: Connection, proposal: ProposalArgs): Promise<ProposalResult> {
  const registry = await openRegistry(conn);
  const { action, target, account, kinds, value } = proposal;
  return withProposal(await sendTx(conn, registry.propose(action, target, account, kinds, value)));
}

/** A governor votes for a proposal. */
export async function vote(conn: Connection, params: { proposalId: bigint }): Promise<TxResult> {
  return sendTx(conn, (await openRegistry(conn)).vote(params.proposalId));
}

/** Anyone executes a proposal that has enough votes of current governors. */
export async function execute(conn: Connection, params: { proposalId: bigint }): Promise<TxResult> {
  return sendTx(conn, (await openRegistry(conn)).execute(params.proposalId));
}

/** A member adds one of its own operating accounts (key rotation; no vote). */
export async function addAccount(conn: Connection, params: { account: string }): Promise<TxResult> {
  return sendTx(conn, (await openRegistry(conn)).addAccount(params.account));
}

/** A member removes one of its own operating accounts; the account is retired for good. */
export async function removeAccount(conn: Connection, params: { account: string }): Promise<TxResult> {
  return sendTx(conn, (await openRegistry(conn)).removeAccount(params.account));
}

/** The certifier suspends a member at once (a vote reinstates it). */
export async function suspendNow(conn: Connection, params: { memberId: string }): Promise<TxResult> {
  return sendTx(conn, (await openRegistry(conn)).emergencySuspend(params.memberId));
}

/** A governor pauses a module at once (`MODULE_IDS`; a vote lifts it). */
export async function pauseModule(conn: Connection, params: { moduleId: string }): Promise<TxResult> {
  return sendTx(conn, (await openRegistry(conn)).pauseModule(params.moduleId));
}

/** The certifier renews a member's certification until `until` (unix seconds). */
export async function renewCertification(
  conn: Connection,
  params: { memberId: string; until: bigint },
): Promise<TxResult> {
  return sendTx(conn, (await openRegistry(conn)).renewCertification(params.memberId, params.until));
}

/**
 * Certify and admit in one go: the certifier certifies, each governor votes, the last one executes.
 * Returns the proposal id.
 */
export async function admit(
  conn: Connection,
  params: { certifier: Signer; governors: Signer[]; applicant: Applicant },
): Promise<bigint> {
  const { proposalId } = await certify(withSigner(conn, params.certifier), params.applicant);
  for (const governor of params.governors) await vote(withSigner(conn, governor), { proposalId });
  const executor = params.governors.at(-1) ?? params.certifier;
  await execute(withSigner(conn, executor), { proposalId });
  return proposalId;
}

/** Every member with its kinds, status, expiry and accounts. */
export async function members(conn: Connection): Promise<MemberRow[]> {
  return listMembers(await openRegistry(conn));
}

// ---- the same on a TypeChain registry instance (test fixtures, the gas bench) ----

/** The id of the proposal a `certify` or `propose` receipt created. */
export function proposalIdFrom(_registry: ConsortiumRegistry, receipt: ContractTransactionReceipt): bigint {
  const created = decodeEvents(receipt.logs).find((e) => e.name === "ProposalCreated");
  if (created === undefined)
    throw new MedChainError(`transaction ${receipt.hash} created no proposal`, { kind: "INTERNAL" });
  return created.args.proposalId as bigint;
}

/**
 * Each governor votes for the proposal on a registry instance, then the last one executes it. Like
 * {@link admitMember}, a refusal propagates as ethers' own error (test fixtures match on it).
 */
export async function voteAndExecute(
  registry: ConsortiumRegistry,
  governors: Signer[],
  proposalId: bigint,
): Promise<ContractTransactionReceipt> {
  for (const governor of governors) await mined(registry.connect(governor).vote(proposalId));
  const executor = governors[governors.length - 1] ?? registry.runner;
  return mined(registry.connect(executor as Signer).execute(proposalId));
}

/** Certify and admit on a registry instance (what test fixtures do for each institution). */
export async function admitMember(
  registry: ConsortiumRegistry,
  certifier: Signer,
  governors: Signer[],
  applicant: Applicant,
): Promise<bigint> {
  const { memberId, metadata, kinds, account, certifiedUntil } = applicant;
  const receipt = await mined(registry.connect(certifier).certify(memberId, metadata, kinds, account, certifiedUntil));
  const proposalId = proposalIdFrom(registry, receipt);
  await voteAndExecute(registry, governors, proposalId);
  return proposalId;
}

/** Every member of a registry instance with its kinds, status, expiry and accounts. */
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
