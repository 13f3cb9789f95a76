import path from "node:path";

import { MedChainError } from "./errors.js";
import { readJsonFile } from "./files.js";

/** Ignition's future ids of the suite's contracts, as written to deployed_addresses.json. */
export const FUTURE_IDS = {
  registry: "Consortium#ConsortiumRegistry",
  records: "Records#RecordRegistry",
  claimsPlans: "Claims#ClaimsPlans",
  claimsEngine: "Claims#ClaimsEngine",
  claimsVault: "Claims#SettlementVault",
  provenance: "Provenance#DrugProvenance",
} as const;

/**
 * The addresses Ignition recorded for a chain (`ignition/deployments/chain-<id>/deployed_addresses.json`).
 * Returns an empty record when nothing was deployed there.
 */
export async function loadDeployedAddresses(
  chainId: bigint,
  root = "ignition/deployments",
): Promise<Record<string, string>> {
  const file = path.join(root, `chain-${chainId}`, "deployed_addresses.json");
  let value: unknown;
  try {
    value = await readJsonFile(file);
  } catch (err) {
    if (err instanceof MedChainError && err.message === `${file}: no such file`) return {};
    throw err;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new MedChainError(`${file}: not a deployment record (expected an object of addresses)`);
  }
  return value as Record<string, string>;
}

/**
 * The address of a contract: the explicit one if given, else the one Ignition deployed on this chain.
 * Throws a one-line error naming what is missing.
 */
export async function resolveAddress(
  explicit: string | undefined,
  chainId: bigint,
  futureId: string,
  optionName: string,
): Promise<string> {
  if (explicit !== undefined && explicit !== "") return explicit;
  const addresses = await loadDeployedAddresses(chainId);
  const address = addresses[futureId];
  if (address === undefined) {
    throw new MedChainError(
      `no ${futureId} deployed on chain ${chainId}: deploy it with Ignition first or pass --${optionName} <address>`,
    );
  }
  return address;
}
