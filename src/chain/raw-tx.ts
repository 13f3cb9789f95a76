/**
 * Signing a job's transactions as bytes.
 *
 * ethers' `Transaction` keeps calldata as hex text and parses it back, byte by byte, several times
 * while it serializes and hashes: signing a 3.4 KB batch takes 4.7 ms against 0.7 ms for a small
 * call (measured on this machine), and a job of batches spends a good part of its client time
 * there. For a key this process holds (an ethers `BaseWallet`), `signRaw` builds the same envelope,
 * EIP-1559 (type 2) or EIP-155 legacy (type 0), with ethers' own RLP encoder over bytes, and signs
 * its hash with the wallet's `SigningKey`. Signatures are deterministic (RFC 6979), so the bytes
 * equal `wallet.signTransaction`'s; `test/chain/raw-tx.ts` checks that on random transactions.
 * Any other signer (a node's account, a remote signer), and any transaction with fields this does
 * not build (access lists, contract creation), goes through `signer.signTransaction` unchanged.
 */
import { keccak_256 } from "@noble/hashes/sha3.js";
import { BaseWallet, encodeRlp, getAddress, isAddress, toBeArray, type Signer, type TransactionRequest } from "ethers";

import { bytesOfHex, HEX_DATA, hexOf } from "./bytes.js";

export interface SignedTransaction {
  /** The signed transaction, as `eth_sendRawTransaction` takes it. */
  raw: string;
  /** Its hash: keccak-256 of the signed bytes. */
  hash: string;
}

const TYPED_ONLY = ["accessList", "authorizationList", "blobs", "blobVersionedHashes", "maxFeePerBlobGas"] as const;

/** Signs `tx` with `signer`: by bytes for a held key (see the file comment), else by the signer. */
export async function signRaw(signer: Signer, tx: TransactionRequest): Promise<SignedTransaction> {
  const fields = signer instanceof BaseWallet ? envelopeOf(tx) : undefined;
  let raw: string;
  if (fields !== undefined && signer instanceof BaseWallet) {
    const sig = signer.signingKey.sign(keccak_256(fields.unsigned()));
    raw = fields.signed(sig.yParity, BigInt(sig.r), BigInt(sig.s));
  } else raw = await signer.signTransaction(tx);
  return { raw, hash: hexOf(keccak_256(bytesOfHex(raw))) };
}

export interface Envelope {
  /** The bytes whose hash is signed. */
  unsigned(): Uint8Array;
  /** The signed transaction as hex. */
  signed(yParity: 0 | 1, r: bigint, s: bigint): string;
}

/**
 * The envelope of a plain call of type 0 or 2, or undefined for anything else (then the signer
 * signs). Exported for the tests, which check which transactions take this path.
 */
export function envelopeOf(tx: TransactionRequest): Envelope | undefined {
  if (tx.type !== 0 && tx.type !== 2) return undefined;
  if (typeof tx.to !== "string" || !isAddress(tx.to) || tx.from != null) return undefined;
  if (tx.chainId == null || BigInt(tx.chainId) === 0n || tx.nonce == null || tx.gasLimit == null) return undefined;
  if (TYPED_ONLY.some((k) => tx[k] != null)) return undefined;
  const data = tx.data ?? "0x";
  if (typeof data !== "string" || !HEX_DATA.test(data)) return undefined;
  const num = (v: bigint | number | string | null | undefined) => toBeArray(BigInt(v ?? 0));
  const chainId = BigInt(tx.chainId);
  const common = [num(tx.gasLimit), bytesOfHex(getAddress(tx.to)), num(tx.value), bytesOfHex(data)];
  if (tx.type === 2) {
    if (tx.maxFeePerGas == null || tx.gasPrice != null) return undefined;
    if (BigInt(tx.maxPriorityFeePerGas ?? 0) > BigInt(tx.maxFeePerGas)) return undefined; // ethers refuses it
    const body = [num(chainId), num(tx.nonce), num(tx.maxPriorityFeePerGas), num(tx.maxFeePerGas), ...common, []];
    return {
      unsigned: () => typed(body),
      signed: (yParity, r, s) => hexOf(typed([...body, num(yParity), num(r), num(s)])),
    };
  }
  if (tx.gasPrice == null || tx.maxFeePerGas != null) return undefined;
  const body = [num(tx.nonce), num(tx.gasPrice), ...common];
  return {
    // EIP-155: the chain id and two empty fields in the signed payload, the chain id in v
    unsigned: () => bytesOfHex(encodeRlp([...body, num(chainId), num(0), num(0)])),
    signed: (yParity, r, s) => encodeRlp([...body, num(chainId * 2n + 35n + BigInt(yParity)), num(r), num(s)]),
  };
}

/** An EIP-2718 typed envelope of type 2: the type byte, then the RLP list. */
function typed(list: (Uint8Array | never[])[]): Uint8Array {
  return Buffer.concat([Buffer.of(2), bytesOfHex(encodeRlp(list))]);
}
