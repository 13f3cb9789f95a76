import type { ConsortiumRegistry } from "../../typechain-types/index.js";
import { openContract, type Connection } from "../chain/connection.js";
import { parseAccount } from "../chain/values.js";

/**
 * The registry of a connection, typed and signed by its signer: the connection's `registry` address
 * if given, else the one Ignition deployed on its chain. Checked once per connection.
 */
export function openRegistry(conn: Connection): Promise<ConsortiumRegistry> {
  return openContract(conn, "registry");
}

/** Validates an account option (an address, not the zero address), naming the option in errors (`--<option>: "…" is not an address`). */
export function checkAddress(value: string, option: string): string {
  return parseAccount(value, `--${option}`);
}
