// A node's own ceiling for `npm run bench:throughput`: transactions signed beforehand, sent
// concurrently with no client work left on the clock, timed until the last one is mined. The bench
// measures it with simple transfers (the node's ceiling the ratios use) and with the claims
// job's own transactions (what the node itself can execute of that job's work).
import { Wallet, type Provider, type TransactionRequest } from "ethers";

import type { DevNode } from "../scripts/lib/nodes.js";

/** One account's transactions, in nonce order (nonce, chain id and fees are filled in). */
export interface PresignedLane {
  wallet: Wallet;
  txs: Array<Pick<TransactionRequest, "to" | "data" | "value" | "gasLimit">>;
}

/** Fees the node takes now: EIP-1559 at twice the base fee on a chain with one, else its gas price. */
async function fees(provider: Provider): Promise<TransactionRequest> {
  const feeData = await provider.getFeeData();
  const block = await provider.getBlock("latest");
  return block?.baseFeePerGas != null && block.baseFeePerGas > 0n
    ? {
        type: 2,
        maxFeePerGas: block.baseFeePerGas * 2n + (feeData.maxPriorityFeePerGas ?? 0n),
        maxPriorityFeePerGas: feeData.maxPriorityFeePerGas ?? 0n,
      }
    : { type: 0, gasPrice: feeData.gasPrice ?? 0n };
}

/**
 * Signs every lane's transactions (off the clock), then sends them concurrently, each account's in
 * nonce order, 16 to a JSON-RPC batch (`hardhat node` refuses a nonce that arrives early), and
 * returns transactions per second from the first send to the last one mined.
 */
export async function presignedRate(node: DevNode, provider: Provider, lanes: PresignedLane[]): Promise<number> {
  const fee = await fees(provider);
  const nonces = await Promise.all(lanes.map((l) => provider.getTransactionCount(l.wallet.address, "pending")));
  const signed = await Promise.all(
    lanes.map(async (lane, w) => {
      const raws: string[] = [];
      for (const [k, tx] of lane.txs.entries())
        raws.push(await lane.wallet.signTransaction({ ...tx, nonce: nonces[w]! + k, chainId: node.chainId, ...fee }));
      return raws;
    }),
  );
  /** Sends an account's signed transactions, 16 to a JSON-RPC batch, in order; resent ones may be "already known". */
  const send = async (raws: string[], resend: boolean) => {
    for (let k = 0; k < raws.length; k += 16) {
      const batch = raws
        .slice(k, k + 16)
        .map((raw, j) => ({ jsonrpc: "2.0", id: k + j, method: "eth_sendRawTransaction", params: [raw] }));
      const response = await fetch(node.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(batch),
        signal: AbortSignal.timeout(30_000),
      });
      const answers = (await response.json()) as { error?: { message: string } }[];
      const failed = answers.find((a) => a.error !== undefined);
      if (failed !== undefined && !resend) throw new Error(`eth_sendRawTransaction: ${failed.error!.message}`);
    }
  };
  const started = performance.now();
  await Promise.all(signed.map((raws) => send(raws, false)));
  const targets = lanes.map((l, i) => ({ address: l.wallet.address, nonce: nonces[i]! + signed[i]!.length }));
  let last: number[] = [];
  let movedAt = performance.now();
  for (;;) {
    // Asked again on an error: anvil with --prune-history now and then answers "block height is N but
    // requested was N-1" for a block it has just mined past.
    const counts = await Promise.all(
      targets.map((t) => provider.getTransactionCount(t.address, "latest").catch(() => -1)),
    );
    if (counts.every((c, i) => c >= targets[i]!.nonce)) break;
    if (counts.some((c, i) => c !== last[i])) {
      last = counts;
      movedAt = performance.now();
    } else if (performance.now() - movedAt > 1_000) {
      // Nothing mined for a second: anvil lost a transaction of a concurrent batch (see SEND_CHUNK in
      // src/chain/pipeline.ts). Send each account's unmined ones again, as the sender would.
      if (performance.now() - started > 120_000) throw new Error(`the ceiling run did not finish in 120 s`);
      await Promise.all(
        signed.map((raws, i) => (counts[i]! < 0 ? undefined : send(raws.slice(counts[i]! - nonces[i]!), true))),
      );
      movedAt = performance.now();
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  return signed.reduce((n, raws) => n + raws.length, 0) / ((performance.now() - started) / 1000);
}
