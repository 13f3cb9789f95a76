// What the indexing functions share: the loose shape of a Ponder event and context the family
// handlers use (the handlers are registered in a loop over the ABIs, so Ponder's per-event typing
// does not reach them), and the row position every table carries.

/** A decoded log as Ponder hands it to an indexing function. */
export interface IndexedEvent {
  name: string;
  args: Record<string, unknown>;
  log: { logIndex: number; address: string };
  block: { number: bigint; timestamp: bigint };
  transaction: { hash: string };
}

/** The part of Ponder's store API the handlers use. */
export interface Store {
  insert(table: unknown): {
    values(row: Record<string, unknown>): Promise<unknown> & {
      onConflictDoNothing(): Promise<unknown>;
      onConflictDoUpdate(set: Record<string, unknown>): Promise<unknown>;
    };
  };
  update(table: unknown, key: Record<string, unknown>): { set(values: Record<string, unknown>): Promise<unknown> };
  find(table: unknown, key: Record<string, unknown>): Promise<Record<string, unknown> | null>;
}

/** Where an event is: what the position columns and the id are made of. */
export type Located = Pick<IndexedEvent, "log" | "block" | "transaction">;

export type FamilyHandler = (event: IndexedEvent, db: Store) => Promise<void>;

/** `<block>-<logIndex>`: an event's id, unique on the one chain the indexer follows. */
export const eventId = (e: Located) => `${e.block.number}-${e.log.logIndex}`;

/** The position columns of a row. */
export const position = (e: Located) => ({
  blockNumber: Number(e.block.number),
  logIndex: e.log.logIndex,
  txHash: e.transaction.hash,
  timestamp: Number(e.block.timestamp),
});

/** JSON for arguments: bigints as decimal strings (structs and arrays kept). */
export function jsonArgs(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (Array.isArray(value)) return value.map(jsonArgs);
  if (value !== null && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, jsonArgs(v)]));
  return value;
}
