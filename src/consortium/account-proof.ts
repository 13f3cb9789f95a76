import { writeFile } from "node:fs/promises";

import { getAddress, type Signer, type TypedDataDomain, type TypedDataField } from "ethers";
import { z } from "zod";

import type { ConsortiumRegistry } from "../../typechain-types/index.js";
import type { Connection } from "../chain/connection.js";
import { badInput, MedChainError } from "../chain/errors.js";
import { addressString, readJsonFileAs, uintString } from "../chain/files.js";
import { openRegistry } from "./connect.js";

/**
 * A key holder's proof that its account agrees to operate for a member: what the registry asks
 * before it binds an account (`addAccount`, and `certify` for the account an admission binds). The
 * account signs EIP-712 typed data `AccountBinding(memberId, account, nonce, deadline)` under the
 * registry's domain, so the proof names the member, the account, the registry and the chain, counts
 * once (the account's nonce) and expires (the deadline). Without it a member could bind a key it
 * does not hold, retire it, or take another member's rotation by front-running it.
 */
export interface AccountProof {
  nonce: bigint;
  deadline: bigint;
  signature: string;
}

/** The EIP-712 types of a proof of key (as `ConsortiumRegistry.ACCOUNT_BINDING_TYPEHASH`). */
export const ACCOUNT_BINDING_TYPES: Record<string, TypedDataField[]> = {
  AccountBinding: [
    { name: "memberId", type: "bytes32" },
    { name: "account", type: "address" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};

/** How long a proof of key stays valid by default: a week, time enough to hand it to the certifier. */
export const DEFAULT_PROOF_SECONDS = 7n * 24n * 3600n;

/** The EIP-712 domain of a ConsortiumRegistry. */
export function registryDomain(chainId: bigint, registry: string): TypedDataDomain {
  return { name: "MedChain ConsortiumRegistry", version: "1", chainId, verifyingContract: registry };
}

/** What a proof of key binds: the member, the account, where (registry and chain), and its nonce and deadline. */
export interface AccountBinding {
  registry: string;
  chainId: bigint;
  memberId: string;
  account: string;
  nonce: bigint;
  deadline: bigint;
}

/**
 * The account's key signs the binding: `signer` is `binding.account` itself, or for an ERC-1271
 * contract account the key its `isValidSignature` accepts.
 */
export async function signAccountProof(signer: Signer, binding: AccountBinding): Promise<AccountProof> {
  const domain = registryDomain(binding.chainId, binding.registry);
  const { memberId, account, nonce, deadline } = binding;
  const signature = await signer.signTypedData(domain, ACCOUNT_BINDING_TYPES, { memberId, account, nonce, deadline });
  return { nonce, deadline, signature };
}

/**
 * The proof that `signer`'s account (or `options.account`, an ERC-1271 contract account that accepts
 * `signer`'s signatures) agrees to operate for `memberId` on a registry instance: reads the account's
 * nonce, the chain id and the time from the registry's node, valid for `options.validFor` seconds
 * (default a week). What test fixtures, the demo and the gas bench use; operators go through
 * {@link proveAccount}.
 */
export async function accountProofFor(
  registry: ConsortiumRegistry,
  signer: Signer,
  memberId: string,
  options: { account?: string; validFor?: bigint } = {},
): Promise<AccountProof> {
  const provider = registry.runner?.provider ?? signer.provider;
  if (provider == null) throw new MedChainError("the registry has no provider to read the account's nonce from");
  const account = options.account ?? (await signer.getAddress());
  const validFor = options.validFor ?? DEFAULT_PROOF_SECONDS;
  const [nonce, network, block] = await Promise.all([
    registry.nonces(account),
    provider.getNetwork(),
    provider.getBlock("latest"),
  ]);
  const now = BigInt(block?.timestamp ?? Math.floor(Date.now() / 1000));
  return signAccountProof(signer, {
    registry: await registry.getAddress(),
    chainId: network.chainId,
    memberId,
    account,
    nonce,
    deadline: now + validFor,
  });
}

// ---- the proof as a file: the key holder makes it, the member (or the certifier) submits it ----

export const ACCOUNT_PROOF_FORMAT = "medchain.account-proof.v1";

const hex32 = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "must be 32 bytes of hex");
const address = addressString();

/** A proof of key as the key holder hands it over (`consortium prove-account` writes it). */
export const accountProofFileSchema = z.object({
  format: z.literal(ACCOUNT_PROOF_FORMAT),
  chainId: uintString(),
  registry: address,
  memberId: hex32,
  account: address,
  nonce: uintString(),
  deadline: uintString(),
  signature: z.string().regex(/^0x([0-9a-fA-F]{2})+$/, "must be hex bytes"),
});
export type AccountProofFile = z.infer<typeof accountProofFileSchema>;

/**
 * The connection's signer (the new account's key) signs its agreement to operate for `memberId`,
 * valid until `deadline` (unix seconds; default a week from the chain's latest block).
 */
export async function proveAccount(
  conn: Connection,
  params: { memberId: string; deadline?: bigint },
): Promise<AccountProofFile> {
  if (conn.signer === undefined) throw new MedChainError("proving an account needs its key (a signer)");
  const registry = await openRegistry(conn);
  const account = await conn.signer.getAddress();
  const [nonce, block] = await Promise.all([registry.nonces(account), conn.provider.getBlock("latest")]);
  const deadline = params.deadline ?? BigInt(block?.timestamp ?? Math.floor(Date.now() / 1000)) + DEFAULT_PROOF_SECONDS;
  const binding: AccountBinding = {
    registry: await registry.getAddress(),
    chainId: conn.chainId,
    memberId: params.memberId,
    account,
    nonce,
    deadline,
  };
  const proof = await signAccountProof(conn.signer, binding);
  return {
    format: ACCOUNT_PROOF_FORMAT,
    chainId: binding.chainId.toString(),
    registry: binding.registry,
    memberId: binding.memberId,
    account: getAddress(account),
    nonce: nonce.toString(),
    deadline: deadline.toString(),
    signature: proof.signature,
  };
}

/** Writes a proof of key file (it holds no secret: a signature for one binding). */
export async function writeAccountProof(file: string, proof: AccountProofFile): Promise<void> {
  await writeFile(file, JSON.stringify(proof, null, 2) + "\n");
}

/** Reads a proof of key file, checking its shape (errors name the file and the field). */
export function readAccountProof(file: string): Promise<AccountProofFile> {
  return readJsonFileAs(file, accountProofFileSchema);
}

/**
 * The proof in a file, checked against what it is about to be used for: this chain and registry,
 * the member that binds the account, and the account (when the operator named one). Each mismatch is
 * one line naming the file and the field, before anything is sent.
 */
export function proofFromFile(
  proof: AccountProofFile,
  file: string,
  expected: { chainId: bigint; registry: string; memberId: string; account?: string },
): { account: string; proof: AccountProof } {
  const mismatch = (field: string, problem: string) => badInput(problem, { file, field });
  if (BigInt(proof.chainId) !== expected.chainId) {
    throw mismatch("chainId", `the proof is for chain ${proof.chainId}, this network is chain ${expected.chainId}`);
  }
  if (getAddress(proof.registry) !== getAddress(expected.registry)) {
    throw mismatch("registry", `the proof is for registry ${proof.registry}, not ${expected.registry}`);
  }
  if (proof.memberId.toLowerCase() !== expected.memberId.toLowerCase()) {
    throw mismatch("memberId", `the proof binds the account to member ${proof.memberId}, not ${expected.memberId}`);
  }
  if (expected.account !== undefined && getAddress(proof.account) !== getAddress(expected.account)) {
    throw mismatch("account", `the proof is ${proof.account}'s, not ${expected.account}'s`);
  }
  return { account: getAddress(proof.account), proof: toAccountProof(proof) };
}

/** The `AccountProof` argument of `addAccount` and `certify` in a proof file (unchecked: see {@link proofFromFile}). */
export function toAccountProof(proof: AccountProofFile): AccountProof {
  return { nonce: BigInt(proof.nonce), deadline: BigInt(proof.deadline), signature: proof.signature };
}

/**
 * Reads a proof of key file and checks it for this connection's chain and registry, the member that
 * will bind the account (default: the member of the connection's signer, for `addAccount`) and, if
 * given, the account. Returns what `addAccount` and `certify` take.
 */
export async function loadAccountProof(
  conn: Connection,
  file: string,
  expected: { memberId?: string; account?: string } = {},
): Promise<{ account: string; memberId: string; proof: AccountProof }> {
  const contents = await readAccountProof(file);
  const registry = await openRegistry(conn);
  let memberId = expected.memberId;
  if (memberId === undefined) {
    if (conn.signer === undefined) throw new MedChainError("adding an account needs a member's signer");
    const signer = await conn.signer.getAddress();
    memberId = await registry.memberOf(signer);
    if (BigInt(memberId) === 0n) {
      throw new MedChainError(
        `the signing account ${signer} operates for no member: only a member's account adds accounts`,
      );
    }
  }
  const checked = proofFromFile(contents, file, {
    chainId: conn.chainId,
    registry: await registry.getAddress(),
    memberId,
    account: expected.account,
  });
  return { ...checked, memberId };
}
