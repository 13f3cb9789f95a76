/**
 * A synthetic batch job for the sender's tests and the throughput bench: step i sends 1 wei to an
 * address derived from (seed, i), so the chain can be checked against the input afterwards: each
 * recipient holds exactly 1 wei (nothing lost, nothing duplicated). Every `chainEvery`-th step
 * depends on the step before it.
 */
import { Contract, getAddress, hexlify, Interface, keccak256, toUtf8Bytes, type Provider } from "ethers";

import type { JobStep } from "../../src/chain/pipeline.js";

const MARK_BOOK = new Interface([
  "function mark(bytes32 key)",
  "function orderOf(bytes32 key) view returns (uint256)",
  "function marks() view returns (uint256)",
]);

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

/** The key step i of a marking job marks. */
export function markKeyOf(seed: string, i: number): string {
  return keccak256(toUtf8Bytes(`medchain.marks:${seed}:${i}`));
}

/**
 * A synthetic job of steps that share transactions: step i marks one key in a `MarkBookMock` at
 * `book` (which refuses a repeat), so the chain can be checked against the input afterwards: every
 * key marked, each dependent after the step it depends on (every `chainEvery`-th step depends on the
 * one before it).
 */
export function markingSteps(count: number, seed: string, book: string, provider: Provider, chainEvery = 0): JobStep[] {
  const marks = new Contract(book, MARK_BOOK, provider);
  return Array.from({ length: count }, (_, i) => ({
    key: `mark-${i}`,
    call: { to: book, data: MARK_BOOK.encodeFunctionData("mark", [markKeyOf(seed, i)]) },
    batchWith: book,
    refusedIfDone: true,
    isDone: async () => ((await marks.getFunction("orderOf")(markKeyOf(seed, i))) as bigint) !== 0n,
    ...(chainEvery > 0 && i > 0 && i % chainEvery === 0 ? { dependsOn: [`mark-${i - 1}`] } : {}),
  }));
}

/** Problems of a marking job's result: keys not marked, dependents marked before their dependency. */
export async function wrongMarks(
  provider: Provider,
  book: string,
  count: number,
  seed: string,
  chainEvery = 0,
): Promise<string[]> {
  const marks = new Contract(book, MARK_BOOK, provider);
  const orders: bigint[] = [];
  for (let start = 0; start < count; start += 50) {
    const slice = Array.from({ length: Math.min(50, count - start) }, (_, k) => start + k);
    orders.push(
      ...((await Promise.all(slice.map((i) => marks.getFunction("orderOf")(markKeyOf(seed, i))))) as bigint[]),
    );
  }
  const wrong: string[] = [];
  orders.forEach((order, i) => {
    if (order === 0n) wrong.push(`mark-${i}: not marked`);
    else if (chainEvery > 0 && i > 0 && i % chainEvery === 0 && order < orders[i - 1]!)
      wrong.push(`mark-${i}: marked before mark-${i - 1}`);
  });
  return wrong;
}
