import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { network } from "hardhat";

import type { GuardedModuleMock } from "../../typechain-types/index.js";
import { accountProofFor, type AccountProof } from "../../src/consortium/account-proof.js";
import { memberIdFromCode, metadataCommitment } from "../../src/consortium/ids.js";
import { MODULE_IDS, ProposalAction, kindMask, type MemberKindName } from "../../src/consortium/kinds.js";
import { ONE_YEAR, admit, deployConsortium, type ConsortiumFixture } from "../helpers/consortium.js";

/**
 * The consortium module's single fixture, shared by `registry.ts` and `access-control.ts`: one
 * network connection (ESM evaluates this module once), one named fixture function for `loadFixture`.
 */
export const { ethers, networkHelpers } = await network.create();

/** MemberStatus enum values, as the contract returns them. */
export const Status = { None: 0n, Active: 1n, Suspended: 2n, Revoked: 3n } as const;

export const ONE_DAY = 24n * 3600n;
export const RECORDS = MODULE_IDS.records;
export const PROVENANCE = MODULE_IDS.provenance;

export { ProposalAction, kindMask };

export interface MemberHandle {
  id: string;
  account: HardhatEthersSigner;
  kinds: number;
}

export interface RegistryFixture extends ConsortiumFixture {
  /** Active hospital, certified for a year. */
  hospital: MemberHandle;
  /** Active laboratory, certified for a year. */
  lab: MemberHandle;
  /** Pharmacy the certifier suspended in an emergency. */
  suspended: MemberHandle;
  /** Insurer the governors revoked. */
  revoked: MemberHandle;
  /** Distributor whose one-day certification has lapsed (status still Active). */
  expired: MemberHandle;
  /** An account that belongs to no member and governs nothing. */
  outsider: HardhatEthersSigner;
  /** Accounts nobody uses yet: for new accounts and applicants. */
  fresh: HardhatEthersSigner[];
  /** A module guarded by the registry, with module id RECORDS. */
  guarded: GuardedModuleMock;
}

async function member(
  fx: ConsortiumFixture,
  code: string,
  kind: MemberKindName,
  account: HardhatEthersSigner,
  certifiedFor: bigint = ONE_YEAR,
): Promise<MemberHandle> {
  const id = await admit(fx, code, [kind], account, certifiedFor);
  return { id, account, kinds: kindMask(kind) };
}

/**
 * A 2-of-3 registry (signer 0 certifies, signers 1-3 govern) with an active hospital and lab, a
 * suspended, a revoked and an expired member, an outsider, and a guarded module.
 */
export async function registryFixture(): Promise<RegistryFixture> {
  const base = await deployConsortium(ethers);
  const [a0, a1, a2, a3, a4, outsider, ...fresh] = base.spare as [
    HardhatEthersSigner,
    HardhatEthersSigner,
    HardhatEthersSigner,
    HardhatEthersSigner,
    HardhatEthersSigner,
    HardhatEthersSigner,
    ...HardhatEthersSigner[],
  ];
  const hospital = await member(base, "H-001", "Hospital", a0);
  const lab = await member(base, "L-001", "Laboratory", a1);
  const suspended = await member(base, "P-001", "Pharmacy", a2);
  const revoked = await member(base, "I-001", "Insurer", a3);
  const expired = await member(base, "D-001", "Distributor", a4, ONE_DAY);

  const { registry, certifier, governors } = base;
  await registry.connect(certifier).emergencySuspend(suspended.id);
  await passProposal(base, ProposalAction.Revoke, revoked.id);
  await networkHelpers.time.increase(2n * ONE_DAY);

  const guarded = await ethers.deployContract("GuardedModuleMock", [await registry.getAddress(), RECORDS]);
  return { ...base, governors, hospital, lab, suspended, revoked, expired, outsider, fresh, guarded };
}

/** Loads the module's fixture (a fresh snapshot for every test). */
export function loadRegistry(): Promise<RegistryFixture> {
  return networkHelpers.loadFixture(registryFixture);
}

/** The id `certify`/`propose` will give the next proposal. */
export async function nextProposalId(fx: ConsortiumFixture): Promise<bigint> {
  return (await fx.registry.proposalCount()) + 1n;
}

/** The first governor proposes; returns the proposal id. Nobody has voted yet. */
export async function propose(
  fx: ConsortiumFixture,
  action: number,
  target: string = ethers.ZeroHash,
  account: string = ethers.ZeroAddress,
  kinds = 0,
  value = 0n,
): Promise<bigint> {
  const id = await nextProposalId(fx);
  await fx.registry.connect(fx.governors[0]!).propose(action, target, account, kinds, value);
  return id;
}

/** Proposes, and the first k (= 2) governors vote. Returns the proposal id, ready to execute. */
export async function proposeWithVotes(
  fx: ConsortiumFixture,
  action: number,
  target?: string,
  account?: string,
  kinds?: number,
  value?: bigint,
): Promise<bigint> {
  const id = await propose(fx, action, target, account, kinds, value);
  await voteBy(fx, id, 2);
  return id;
}

/** The first `count` governors vote for `proposalId`. */
export async function voteBy(fx: ConsortiumFixture, proposalId: bigint, count: number): Promise<void> {
  for (const governor of fx.governors.slice(0, count)) await fx.registry.connect(governor).vote(proposalId);
}

/** Proposes, votes with two governors and executes. */
export async function passProposal(
  fx: ConsortiumFixture,
  action: number,
  target?: string,
  account?: string,
  kinds?: number,
  value?: bigint,
): Promise<bigint> {
  const id = await proposeWithVotes(fx, action, target, account, kinds, value);
  await fx.registry.execute(id);
  return id;
}

/** An applicant's certification data, for a code not used by the fixture. */
export async function applicant(code: string, kind: MemberKindName, account: string, certifiedFor = ONE_YEAR) {
  const now = BigInt(await networkHelpers.time.latest());
  return {
    memberId: memberIdFromCode(code),
    metadata: metadataCommitment(`${code} registration documents`),
    kinds: kindMask(kind),
    account,
    certifiedUntil: now + certifiedFor,
  };
}

/** The certifier certifies an applicant (its account's key signs the proof); returns the admission proposal id. */
export async function certify(fx: ConsortiumFixture, a: Awaited<ReturnType<typeof applicant>>): Promise<bigint> {
  const id = await nextProposalId(fx);
  const proof = await proofFor(fx, a.account, a.memberId);
  await fx.registry.connect(fx.certifier).certify(a.memberId, a.metadata, a.kinds, a.account, a.certifiedUntil, proof);
  return id;
}

/** A proof that carries no signature: what a member holding no key of the account can offer. */
export const NO_PROOF: AccountProof = { nonce: 0n, deadline: 2n ** 64n, signature: "0x" };

/**
 * The proof `account`'s key signs for binding it to `memberId`: by the local signer of that
 * address, or {@link NO_PROOF} for an address no local key holds (the zero address, a contract).
 */
export async function proofFor(fx: ConsortiumFixture, account: string, memberId: string): Promise<AccountProof> {
  const key = (await ethers.getSigners()).find((s) => s.address === account);
  return key === undefined ? NO_PROOF : accountProofFor(fx.registry, key, memberId);
}

/**
 * `caller` adds `account` to its member, with the proof `account`'s key signs for that member: key
 * rotation as an honest member does it. Returns the transaction (for `expect(...)`).
 */
export async function addAccount(fx: ConsortiumFixture, caller: HardhatEthersSigner, account: string) {
  const proof = await proofFor(fx, account, await fx.registry.memberOf(caller.address));
  return fx.registry.connect(caller).addAccount(account, proof);
}
