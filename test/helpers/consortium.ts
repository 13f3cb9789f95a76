import type { HardhatEthers, HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";

import type { ConsortiumRegistry } from "../../typechain-types/index.js";
import { accountProofFor } from "../../src/consortium/account-proof.js";
import { admitMember } from "../../src/consortium/governance.js";
import { memberIdFromCode, metadataCommitment } from "../../src/consortium/ids.js";
import { kindMask, type MemberKindName } from "../../src/consortium/kinds.js";

export const VOTING_PERIOD = 7n * 24n * 3600n;
export const ONE_YEAR = 365n * 24n * 3600n;

export interface ConsortiumFixture {
  registry: ConsortiumRegistry;
  certifier: HardhatEthersSigner;
  governors: HardhatEthersSigner[];
  /** Signers not yet used by the fixture, for the module's own members and outsiders. */
  spare: HardhatEthersSigner[];
}

/**
 * Deploys a ConsortiumRegistry linked to a fresh `ConsortiumGovernance` library (the registry runs
 * its proposals there), as the Consortium Ignition module does.
 */
export async function deployRegistry(
  ethers: HardhatEthers,
  /** certifier, governors, threshold, voting period */
  args: unknown[],
): Promise<ConsortiumRegistry> {
  const governance = await ethers.deployContract("ConsortiumGovernance");
  const registry = (await ethers.deployContract("ConsortiumRegistry", args, {
    libraries: { ConsortiumGovernance: await governance.getAddress() },
  })) as ConsortiumRegistry;
  // Waited for: a node in another process (anvil) may answer a call before it mined the deployment.
  return registry.waitForDeployment();
}

/**
 * Deploys a registry with signer 0 as certifier and signers 1-3 as governors (2-of-3).
 * Modules' fixtures build on this and admit the members they need with `admit`.
 */
export async function deployConsortium(ethers: HardhatEthers): Promise<ConsortiumFixture> {
  const signers = await ethers.getSigners();
  const [certifier, g1, g2, g3, ...spare] = signers as [
    HardhatEthersSigner,
    HardhatEthersSigner,
    HardhatEthersSigner,
    HardhatEthersSigner,
    ...HardhatEthersSigner[],
  ];
  const governors = [g1, g2, g3];
  const registry = await deployRegistry(ethers, [
    certifier.address,
    governors.map((g) => g.address),
    2n,
    VOTING_PERIOD,
  ]);
  return { registry, certifier, governors, spare };
}

/**
 * `member`'s account adds `key` as a new operating account, with the proof `key` signs for that
 * member (key rotation as the registry demands it: the new key agrees).
 */
export async function addAccountWithProof(
  registry: ConsortiumRegistry,
  member: HardhatEthersSigner,
  key: HardhatEthersSigner,
): Promise<void> {
  const memberId = await registry.memberOf(member.address);
  const proof = await accountProofFor(registry, key, memberId);
  await (await registry.connect(member).addAccount(key.address, proof)).wait();
}

/**
 * Admits `account` as a member of the given kinds (certified for a year), voted in by two
 * governors. Returns the member id, derived from `code`.
 */
export async function admit(
  fixture: ConsortiumFixture,
  code: string,
  kinds: MemberKindName[],
  account: HardhatEthersSigner,
  certifiedFor: bigint = ONE_YEAR,
): Promise<string> {
  const { registry, certifier, governors } = fixture;
  const block = await registry.runner!.provider!.getBlock("latest");
  const memberId = memberIdFromCode(code);
  const applicant = {
    memberId,
    metadata: metadataCommitment(`${code} registration documents`),
    kinds: kindMask(...kinds),
    account: account.address,
    certifiedUntil: BigInt(block!.timestamp) + certifiedFor,
  };
  await admitMember(registry, certifier, governors.slice(0, 2), applicant, account);
  return memberId;
}
