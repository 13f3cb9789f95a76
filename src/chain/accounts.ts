/**
 * Named accounts: `--as hospital-a` instead of an address or "the network's first account" (which is
 * the certifier on a development chain, so most commands typed as the README shows would fail).
 *
 * The names live in `medchain.accounts.json` at the project root (or the file `MEDCHAIN_ACCOUNTS`
 * names), per network, with `"*"` for every network:
 *
 * ```json
 * { "localhost": { "hospital-a": 4, "insurer": "0x90F7…" },
 *   "consortium": { "hospital-a": { "keystore": "HOSPITAL_A_KEY" } } }
 * ```
 *
 * A name maps to the index of one of the network's accounts, to one of its addresses, or to a
 * private key kept in the Hardhat keystore or the environment (`{ "keystore": NAME }`: never the
 * command line). This file holds no secrets, only where to find them.
 */
import { existsSync } from "node:fs";
import path from "node:path";

import { isAddress } from "ethers";
import { z } from "zod";

import { badInput } from "./errors.js";
import { readJsonFileAs } from "./files.js";

/** Where a named account's key is. */
export type AccountRef = { index: number } | { address: string } | { keystore: string };

const entry = z.union([
  z.number().int().nonnegative(),
  z.string().refine((s) => isAddress(s), "an address (0x + 40 hex digits)"),
  z.object({ keystore: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, "a keystore/environment variable name") }).strict(),
]);
const accountsFile = z.record(z.string(), z.record(z.string().regex(/^[a-z0-9][a-z0-9-]*$/), entry));

/** The accounts file: `MEDCHAIN_ACCOUNTS`, else `medchain.accounts.json` under `root`. */
export function accountsFilePath(root: string): string {
  return process.env.MEDCHAIN_ACCOUNTS ?? path.join(root, "medchain.accounts.json");
}

/**
 * Finds the named account for `network` (its own entry first, then `"*"`); refuses an unknown name
 * with the names that are known.
 */
export async function resolveNamedAccount(root: string, network: string, name: string): Promise<AccountRef> {
  const file = accountsFilePath(root);
  if (!existsSync(file)) {
    throw badInput(`no accounts file ${file} to look up "${name}" in (see README, "Named accounts")`, {
      field: "--as",
    });
  }
  const names = await readJsonFileAs(file, accountsFile);
  const found = names[network]?.[name] ?? names["*"]?.[name];
  if (found === undefined) {
    const known = [...new Set([...Object.keys(names[network] ?? {}), ...Object.keys(names["*"] ?? {})])];
    throw badInput(
      `no account named "${name}" for network "${network}" in ${file}` +
        (known.length > 0 ? ` (known: ${known.sort().join(", ")})` : ""),
      { field: "--as" },
    );
  }
  if (typeof found === "number") return { index: found };
  if (typeof found === "string") return { address: found };
  return found;
}
