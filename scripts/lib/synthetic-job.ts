/**
 * A synthetic batch job for the sender's tests and the throughput bench: step i sends 1 wei to an
 * address derived from (seed, i), so the chain can be checked against the input afterwards: each
 * recipient holds exactly 1 wei (nothing lost, nothing duplicated). Every `chainEvery`-th step
 * depends on the step before it.
 */
import { getAddress, hexlify, keccak256, toUtf8Bytes, type Provider } from "ethers";

import type { JobStep } from "../../src/chain/pipeline.js";

export function recipientOf(seed: string, i: number): string {
  return getAddress("0x" + keccak256(toUtf8Bytes(`medchain.synthetic:${seed}:${i}`)).slice(26));
}

export function syntheticSteps(count: number, seed: string, chainEvery = 0): JobStep[] {
  return Array.from({ length: count }, (_, i) => ({
    key: `transfer-${i}`,
    call: { to: recipientOf(seed, i), value: 1n, data: hexlify(toUtf8Bytes(`step ${i}`)) },
    gasLimit: 30_000n,
    ...(chainEvery > 0 && i > 0 && i % chainEvery === 0 ? { dependsOn: [`transfer-${i - 1}`] } : {}),
  }));
}

/** Recipients whose balance is not exactly 1 wei: empty when nothing was lost or duplicated. */
export async function wrongBalances(provider: Provider, count: number, seed: string): Promise<string[]> {
  const wrong: string[] = [];
  for (let start = 0; start < count; start += 50) {
    const slice = Array.from({ length: Math.min(50, count - start) }, (_, k) => start + k);
    const balances = await Promise.all(slice.map((i) => provider.getBalance(recipientOf(seed, i))));
    balances.forEach((b, k) => b !== 1n && wrong.push(`transfer-${slice[k]}: ${b} wei`));
  }
  return wrong;
}
