import type { ContractTransactionReceipt, Signer } from "ethers";

import type { ConsortiumRegistry } from "../../typechain-types/index.js";
import { withSigner, type Connection } from "../chain/connection.js";
import { MedChainError } from "../chain/errors.js";
import { decodeEvents, mined, requireEvent, sendTx, type TxResult } from "../chain/send.js";
import { accountProofFor, type AccountProof } from "./account-proof.js";
import type { ProposalArgs } from "./args.js";
import { openRegistry } from "./connect.js";
import {
  actionName,
  MEMBER_STATUS,
  kindNames,
  moduleNameOf,
  ProposalAction,
  type MemberKindName,
  type MemberStatusName,
  type ProposalActionName,
} from "./kinds.js";

/** An institution applying to join, as the certifier submits it. */
export interface Applicant {
  memberId: string;
  metadata: string;
  kinds: number;
  account: string;
  certifiedUntil: bigint;
}

/** An applicant with its account's proof of key (signed by `account` for `memberId`). */
export interface ProvenApplicant extends Applicant {
  accountProof: AccountProof;
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

/**
 * The certifier certifies an applicant, opening its admission vote. The applicant's account must
 * have signed its proof of key for the applicant's member id (`proveAccount`).
 */
export async function certify(conn: Connection, applicant: ProvenApplicant): Promise<ProposalResult> {
  const registry = await openRegistry(conn);
  const { memberId, metadata, kinds, account, certifiedUntil, accountProof } = applicant;
  return withProposal(
    await sendTx(conn, registry.certify(memberId, metadata, kinds, account, certifiedUntil, accountProof)),
  );
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

/**
 * A member adds an operating account (key rotation; no vote), with the new account's proof of key
 * signed for the member (`proveAccount` with the new key).
 */
export async function addAccount(
  conn: Connection,
  params: { account: string; proof: AccountProof },
): Promise<TxResult> {
  return sendTx(conn, (await openRegistry(conn)).addAccount(params.account, params.proof));
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
 * Certify and admit in one go: the applicant's account key signs its proof, the certifier certifies,
 * each governor votes, the last one executes. Returns the proposal id.
 */
export async function admit(
  conn: Connection,
  params: { certifier: Signer; governors: Signer[]; applicant: Applicant; accountKey: Signer },
): Promise<bigint> {
  const registry = await openRegistry(conn);
  const accountProof = await accountProofFor(registry, params.accountKey, params.applicant.memberId);
  const applicant = { ...params.applicant, accountProof };
  const { proposalId } = await certify(withSigner(conn, params.certifier), applicant);
  for (const governor of params.governors) await vote(withSigner(conn, governor), { proposalId });
  const executor = params.governors.at(-1) ?? params.certifier;
  await execute(withSigner(conn, executor), { proposalId });
  return proposalId;
}

/** Every member with its kinds, status, expiry and accounts. */
export async function members(conn: Connection): Promise<MemberRow[]> {
  return listMembers(await openRegistry(conn));
}

/** Where a proposal stands: open for votes, ready to execute (enough votes now), executed, or expired. */
export type ProposalState = "Open" | "Ready" | "Executed" | "Expired";

/** A proposal as shown to operators: what it does, where it stands, its votes and expiry. */
export interface ProposalRow {
  proposalId: bigint;
  action: ProposalActionName | `action ${string}`;
  state: ProposalState;
  /** Votes of current governors, and how many are needed. */
  votes: bigint;
  threshold: bigint;
  expiresAt: bigint;
  proposer: string;
  /** The member it is about (member actions and admissions). */
  memberId?: string;
  /** The module it pauses or lifts (Pause, Unpause), by name when it is a MedChain module. */
  module?: string;
  /** The called contract (Call). */
  callTarget?: string;
  /** The account it adds, removes or names (Admit, AddGovernor, RemoveGovernor, SetCertifier). */
  account?: string;
  /** Kinds (Admit, SetKinds). */
  kinds?: MemberKindName[];
  /** The new threshold (SetThreshold). */
  newThreshold?: bigint;
  /** The certification expiry (Admit, SetCertification). */
  certifiedUntil?: bigint;
}

const MEMBER_ACTIONS = new Set<number>([
  ProposalAction.Admit,
  ProposalAction.SetKinds,
  ProposalAction.Suspend,
  ProposalAction.Reinstate,
  ProposalAction.Revoke,
  ProposalAction.SetCertification,
]);

/**
 * Every proposal (or those from `from` on), newest last, with its state at the chain's latest block.
 * `openOnly` leaves out executed and expired ones.
 */
export async function proposals(
  conn: Connection,
  options: { from?: bigint; openOnly?: boolean } = {},
): Promise<ProposalRow[]> {
  const registry = await openRegistry(conn);
  const [count, threshold, latest] = await Promise.all([
    registry.proposalCount(),
    registry.threshold(),
    conn.provider.getBlock("latest"),
  ]);
  const now = BigInt(latest?.timestamp ?? Math.floor(Date.now() / 1000));
  const ids: bigint[] = [];
  for (let id = options.from ?? 1n; id <= count; id++) ids.push(id);
  const rows = await Promise.all(
    ids.map(async (proposalId): Promise<ProposalRow> => {
      const [p, votes] = await Promise.all([registry.getProposal(proposalId), registry.votesOf(proposalId)]);
      const action = Number(p.action);
      const state: ProposalState = p.executed
        ? "Executed"
        : now >= p.expiresAt
          ? "Expired"
          : votes >= threshold
            ? "Ready"
            : "Open";
      const row: ProposalRow = {
        proposalId,
        action: actionName(action),
        state,
        votes,
        threshold,
        expiresAt: p.expiresAt,
        proposer: p.proposer,
      };
      if (MEMBER_ACTIONS.has(action)) row.memberId = p.target;
      if (action === ProposalAction.Pause || action === ProposalAction.Unpause) {
        row.module = moduleNameOf(p.target) ?? p.target;
      }
      if (action === ProposalAction.Call) row.callTarget = `0x${p.target.slice(-40)}`;
      if (
        action === ProposalAction.Admit ||
        action === ProposalAction.AddGovernor ||
        action === ProposalAction.RemoveGovernor ||
        action === ProposalAction.SetCertifier
      ) {
        row.account = p.account;
      }
      if (action === ProposalAction.Admit || action === ProposalAction.SetKinds) row.kinds = kindNames(p.kinds);
      if (action === ProposalAction.SetThreshold) row.newThreshold = p.value;
      if (action === ProposalAction.Admit || action === ProposalAction.SetCertification) row.certifiedUntil = p.value;
      return row;
    }),
  );
  return options.openOnly === true ? rows.filter((r) => r.state === "Open" || r.state === "Ready") : rows;
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

/**
 * Certify and admit on a registry instance (what test fixtures do for each institution); `accountKey`
 * is the applicant account's key, which signs its proof.
 */
export async function admitMember(
  registry: ConsortiumRegistry,
  certifier: Signer,
  governors: Signer[],
  applicant: Applicant,
  accountKey: Signer,
): Promise<bigint> {
  const { memberId, metadata, kinds, account, certifiedUntil } = applicant;
  const proof = await accountProofFor(registry, accountKey, memberId);
  const receipt = await mined(
    registry.connect(certifier).certify(memberId, metadata, kinds, account, certifiedUntil, proof),
  );
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
