import { isHexString } from "ethers";

import { badInput } from "./errors.js";

/**
 * The forms a secret takes: `key32` is 32 bytes of hex (a private key, a hospital's salt key, a
 * patient key); `text` is a passphrase of at least `minBytes` UTF-8 bytes (a member's claims secret).
 */
export type SecretFormat = { kind: "key32" } | { kind: "text"; minBytes: number };

export const KEY32: SecretFormat = { kind: "key32" };

/**
 * Checks a secret's form and returns it, naming the secret (never its value) when it is wrong.
 *
 * Secrets reach MedChain one way per caller, never on a command line (shell history, `ps`): the SDK
 * takes them as explicit parameters from the integrator's own secret store; the tasks read them from
 * the Hardhat keystore or the environment (`readSecret` in `chain/hardhat.ts`).
 */
export function checkSecret(name: string, value: string | undefined, format: SecretFormat = KEY32): string {
  if (value === undefined || value === "") throw badInput("is not set", { field: name });
  if (format.kind === "key32") {
    if (!isHexString(value, 32)) throw badInput("must be 32 bytes of hex (0x + 64 digits)", { field: name });
    return value;
  }
  if (Buffer.byteLength(value, "utf8") < format.minBytes) {
    throw badInput(`must be at least ${format.minBytes} bytes long`, { field: name });
  }
  return value;
}
