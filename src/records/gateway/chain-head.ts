import type { Provider } from "ethers";

/**
 * What the gateway reads of the chain's head: the latest block (asked again after `maxAgeMs`, a block
 * interval on most chains; one question at a time however many requests arrive meanwhile).
 * `now()` is that block's timestamp moved on by the time since, or the local clock, whichever is
 * later, so deadlines are judged as the next block will judge them. `blockNumber()` keys what may be
 * cached for one block.
 */
export function chainHead(provider: Provider, maxAgeMs: number) {
  let cached: { at: number; timestamp: bigint; number: number } | undefined;
  let asking: Promise<void> | undefined;
  const fresh = async () => {
    if (cached === undefined || Date.now() - cached.at > maxAgeMs) {
      await (asking ??= provider
        .getBlock("latest")
        .then((block) => {
          cached = { at: Date.now(), timestamp: BigInt(block?.timestamp ?? 0), number: block?.number ?? 0 };
        })
        .finally(() => (asking = undefined)));
    }
    return cached!;
  };
  return {
    async now(): Promise<bigint> {
      const head = await fresh();
      const chain = head.timestamp + BigInt(Math.floor((Date.now() - head.at) / 1000));
      const wall = BigInt(Math.floor(Date.now() / 1000));
      return chain > wall ? chain : wall;
    },
    async blockNumber(): Promise<number> {
      return (await fresh()).number;
    },
  };
}

/** The chain head reader's type. */
export type ChainHead = ReturnType<typeof chainHead>;
