import type { NetworkConnection } from "hardhat/types/network";

/** One measured operation: its gas for the whole transaction, and the target it must meet if any. */
export interface GasRow {
  operation: string;
  gas: bigint;
  target?: bigint;
}

/** A module's benchmark: measures its operations on a fresh embedded chain. */
export type Bench = (connection: NetworkConnection<"generic">) => Promise<GasRow[]>;
