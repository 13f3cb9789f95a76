import type { ConsortiumRegistry } from "../../typechain-types/index.js";
import { openContract, type Connection } from "../chain/connection.js";
import { parseAddress } from "../chain/values.js";

/**
 * The registry of a connection, typed and signed by its signer: the connection's `registry` address
 * if given, else the one Ignition deployed on its chain. Checked once per connection.
 */
export function openRegistry(conn: Connection): Promise<ConsortiumRegistry> {
  return openContract(conn, "registry");
}

/** Validates an address option, naming the option in the error (`--<option>: "…" is not an address`). */
export function checkAddress(value: string, option: string): string {
  return parseAddress(value, `--${option}`);
}
