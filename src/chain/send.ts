import {
  AbstractSigner,
  type ContractTransactionReceipt,
  type ContractTransactionResponse,
  type Log,
  type Provider,
  type Signer,
  type TransactionReceipt,
  type TransactionRequest,
  type TransactionResponse,
  type TypedDataDomain,
  type TypedDataField,
} from "ethers";

import { medchainEvent, medchainInterface } from "./abi.js";
import type { Connection, FeeOverrides } from "./connection.js";
import { decodeContractRevert, formatRevert, MedChainError, toMedChainError, type HasInterface } from "./errors.js";

/** One log of a transaction, decoded with the MedChain ABIs. */
export interface DecodedEvent {
  /** The event's name, e.g. `ProposalCreated`. */
  name: string;
  signature: string;
  /** The contract that emitted it. */
  address: string;
  logIndex: number;
  /** The arguments by their declared names. */
  args: Record<string, unknown>;
  /** The arguments in declaration order. */
  values: unknown[];
}

/** What every write of the SDK returns: the transaction hash, its receipt, and its decoded events. */
export interface TxResult {
  hash: string;
  receipt: TransactionReceipt;
  blockNumber: number;
  gasUsed: bigint;
  /** Every log a MedChain ABI knows, decoded, in log order (other logs are left out). */
  events: DecodedEvent[];
}

function plain(value: unknown): unknown {
  return Array.isArray(value) ? Array.from(value, plain) : value;
}

/** The logs of a receipt that a MedChain ABI knows, decoded. */
export function decodeEvents(logs: readonly Log[]): DecodedEvent[] {
  const iface = medchainInterface();
  const out: DecodedEvent[] = [];
  for (const log of logs) {
    // Looked up by topic in a table built once: ethers' parseLog hashes every event of the ABI per log.
    const fragment = log.topics[0] === undefined ? undefined : medchainEvent(log.topics[0]);
    if (fragment === undefined) continue;
    let decoded;
    try {
      decoded = iface.decodeEventLog(fragment, log.data, log.topics);
    } catch {
      continue; // a log whose topic is known but whose data does not decode: not ours
    }
    const values = fragment.inputs.map((_, i) => plain(decoded[i]));
    const args: Record<string, unknown> = {};
    fragment.inputs.forEach((input, i) => (args[input.name || `arg${i}`] = values[i]));
    out.push({
      name: fragment.name,
      signature: fragment.format("sighash"),
      address: log.address,
      logIndex: log.index,
      args,
      values,
    });
  }
  return out;
}

/** The first event named `name` in a result, or undefined. */
export function findEvent(result: Pick<TxResult, "events">, name: string): DecodedEvent | undefined {
  return result.events.find((e) => e.name === name);
}

/** The first event named `name`, or an internal error naming the transaction that should have emitted it. */
export function requireEvent(result: Pick<TxResult, "events" | "hash">, name: string): DecodedEvent {
  const event = findEvent(result, name);
  if (event === undefined)
    throw new MedChainError(`transaction ${result.hash} emitted no ${name}`, { kind: "INTERNAL" });
  return event;
}

export interface WaitOptions {
  /** Give up after this long (default 120 s): the error says the transaction was not confirmed. */
  timeoutMs?: number;
  /** How often to ask for the receipt (default 50 ms; ethers' own default on a remote node is 4 s, hardhat-ethers' 500 ms). */
  pollMs?: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Waits for a transaction's receipt by polling `eth_getTransactionReceipt` every `pollMs`, the same
 * on every node. Node errors while waiting are retried until the timeout.
 */
export async function waitForReceipt(
  provider: Provider,
  hash: string,
  options: WaitOptions = {},
): Promise<TransactionReceipt> {
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  const pollMs = options.pollMs ?? 50;
  let lastError: unknown;
  for (;;) {
    try {
      const receipt = await provider.getTransactionReceipt(hash);
      if (receipt !== null) return receipt;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const why = lastError === undefined ? "" : ` (last node error: ${toMedChainError(lastError).message})`;
      throw new MedChainError(`transaction ${hash} was not confirmed in time${why}`, { kind: "UNREACHABLE" });
    }
    await sleep(pollMs);
  }
}

async function revertOfMined(provider: Provider, tx: TransactionResponse, receipt: TransactionReceipt) {
  // Replays the call on the state before its block to recover the custom error (best effort: earlier
  // transactions in the same block are not replayed).
  try {
    await provider.call({
      to: tx.to,
      from: tx.from,
      data: tx.data,
      value: tx.value,
      blockTag: Math.max(0, receipt.blockNumber - 1),
    });
  } catch (err) {
    return decodeContractRevert(err);
  }
  return undefined;
}

/** A mined receipt as a {@link TxResult}; a reverted one as a `REFUSED` error. */
export async function resultOf(
  provider: Provider,
  receipt: TransactionReceipt,
  tx?: TransactionResponse,
): Promise<TxResult> {
  if (receipt.status !== 1) {
    const revert = tx === undefined ? undefined : await revertOfMined(provider, tx, receipt);
    throw new MedChainError(
      `transaction ${receipt.hash} was mined but reverted${revert === undefined ? "" : `: ${formatRevert(revert)}`}`,
      { kind: "REFUSED", ...(revert === undefined ? {} : { revert }) },
    );
  }
  return {
    hash: receipt.hash,
    receipt,
    blockNumber: receipt.blockNumber,
    gasUsed: receipt.gasUsed,
    events: decodeEvents(receipt.logs),
  };
}

/** A transaction being sent: a contract call's promise, or a function making one. */
export type Sendable =
  | Promise<ContractTransactionResponse | TransactionResponse>
  | (() => Promise<ContractTransactionResponse | TransactionResponse>);

/**
 * Sends one transaction and waits for it: the one way every SDK write goes. A refusal (at estimation
 * or mined-and-reverted) is a `REFUSED` {@link MedChainError} with the decoded custom error; a node
 * that cannot be reached or does not confirm in time, `UNREACHABLE`.
 *
 * `extra` interfaces decode errors of contracts outside the suite (the ERC-20 token, say).
 */
export async function sendTx(
  conn: Pick<Connection, "provider">,
  tx: Sendable,
  options: WaitOptions & { extra?: HasInterface[] } = {},
): Promise<TxResult> {
  let response: ContractTransactionResponse | TransactionResponse;
  try {
    response = await (typeof tx === "function" ? tx() : tx);
  } catch (err) {
    throw toMedChainError(err, options.extra);
  }
  const receipt = await waitForReceipt(conn.provider, response.hash, options);
  return resultOf(conn.provider, receipt, response);
}

/**
 * Sends a contract call and waits until it is mined; the receipt is never null. Kept for callers not
 * yet on {@link sendTx}.
 */
export async function mined(tx: Promise<ContractTransactionResponse>): Promise<ContractTransactionReceipt> {
  // A refusal propagates as ethers' own error (callers and their tests match on it); `sendTx` wraps.
  const receipt = await (await tx).wait();
  if (receipt === null)
    throw new MedChainError("the transaction was dropped before it was mined", { kind: "UNREACHABLE" });
  return receipt;
}

/**
 * A signer that puts fixed fee values on every transaction it sends (a zero-gas consortium chain
 * needs `gasPrice: 0`; ethers would otherwise add a 1 gwei priority fee the accounts cannot pay).
 */
export class FeeSigner extends AbstractSigner {
  constructor(
    readonly inner: Signer,
    readonly fees: FeeOverrides,
  ) {
    super(inner.provider);
  }

  override connect(provider: Provider | null): Signer {
    return new FeeSigner(this.inner.connect(provider), this.fees);
  }

  override getAddress(): Promise<string> {
    return this.inner.getAddress();
  }

  private withFees(tx: TransactionRequest): TransactionRequest {
    const out: TransactionRequest = { ...tx };
    if (this.fees.gasPrice !== undefined && out.gasPrice == null && out.maxFeePerGas == null) {
      out.gasPrice = this.fees.gasPrice;
      if (out.type == null) out.type = 0;
    }
    if (this.fees.maxFeePerGas !== undefined && out.maxFeePerGas == null) out.maxFeePerGas = this.fees.maxFeePerGas;
    if (this.fees.maxPriorityFeePerGas !== undefined && out.maxPriorityFeePerGas == null) {
      out.maxPriorityFeePerGas = this.fees.maxPriorityFeePerGas;
    }
    return out;
  }

  override populateTransaction(tx: TransactionRequest) {
    return this.inner.populateTransaction(this.withFees(tx));
  }

  override signTransaction(tx: TransactionRequest): Promise<string> {
    return this.inner.signTransaction(this.withFees(tx));
  }

  override sendTransaction(tx: TransactionRequest): Promise<TransactionResponse> {
    return this.inner.sendTransaction(this.withFees(tx));
  }

  override signMessage(message: string | Uint8Array): Promise<string> {
    return this.inner.signMessage(message);
  }

  override signTypedData(
    domain: TypedDataDomain,
    types: Record<string, TypedDataField[]>,
    value: Record<string, unknown>,
  ): Promise<string> {
    return this.inner.signTypedData(domain, types, value);
  }
}

/** `signer`, putting `fees` on every transaction when given. */
export function withFees(signer: Signer, fees: FeeOverrides | undefined): Signer {
  return fees === undefined || signer instanceof FeeSigner ? signer : new FeeSigner(signer, fees);
}
