/**
 * The Hardhat side of the chain layer: how the tasks connect and read secrets. Nothing else in
 * `src/` imports Hardhat at run time, so the SDK package runs without it; this file is for the tasks,
 * the demo and tests only (it is not exported from the package).
 */
import path from "node:path";

import { configVariable } from "hardhat/config";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import type { NetworkConnection } from "hardhat/types/network";
import { HDNodeWallet, isAddress, Wallet, type Provider, type Signer } from "ethers";

import { resolveNamedAccount } from "./accounts.js";
import type { Connection, ContractName, FeeOverrides } from "./connection.js";
import { badInput, MedChainError } from "./errors.js";
import { checkSecret, KEY32, type SecretFormat } from "./secrets.js";
import { withFees } from "./send.js";

/** A configuration variable or a plain value, as Hardhat resolves them. */
interface Resolvable {
  get(): Promise<string>;
}

/**
 * The private keys Hardhat holds for a network's accounts (a list of keys or an HD mnemonic), in the
 * order of `ethers.getSigners()`; empty for `accounts: "remote"` (the node signs).
 */
async function localKeys(connection: NetworkConnection): Promise<string[]> {
  const accounts = (connection.networkConfig as { accounts: unknown }).accounts;
  if (accounts === "remote" || accounts === undefined) return [];
  if (Array.isArray(accounts)) {
    return Promise.all(
      accounts.map((a: Resolvable | { privateKey: Resolvable }) => ("privateKey" in a ? a.privateKey : a).get()),
    );
  }
  const hd = accounts as {
    mnemonic: Resolvable;
    passphrase: Resolvable;
    path: string;
    initialIndex: number;
    count: number;
  };
  const [phrase, passphrase] = await Promise.all([hd.mnemonic.get(), hd.passphrase.get()]);
  const keys: string[] = [];
  for (let i = 0; i < hd.count; i++) {
    keys.push(HDNodeWallet.fromPhrase(phrase, passphrase, `${hd.path}/${hd.initialIndex + i}`).privateKey);
  }
  return keys;
}

function feesOf(connection: NetworkConnection): FeeOverrides | undefined {
  const gasPrice = (connection.networkConfig as { gasPrice?: unknown }).gasPrice;
  return typeof gasPrice === "bigint" ? { gasPrice } : undefined;
}

export interface HardhatConnectOptions {
  /** Which of the network's accounts signs (an address); default the first. */
  from?: string;
  /** A named account (`--as hospital-a`) from `medchain.accounts.json`; exclusive with `from`. */
  as?: string;
  /** Contract addresses given on the command line (`--registry` …); empty strings are ignored. */
  addresses?: Partial<Record<ContractName, string>>;
  /** The option each address comes from, for errors (default `--<name>`). */
  labels?: Partial<Record<ContractName, string>>;
  /** Read-only: no signer is needed (the network may have no accounts). */
  readOnly?: boolean;
}

/**
 * Connects to the Hardhat network the task runs on (`--network`). Signs with the chosen account:
 * where Hardhat holds its key (a key list, a mnemonic, the embedded network) the signer is a plain
 * ethers `Wallet`, the same kind an integrator passes to `connect`, so transactions can be signed
 * before they are sent (the crash-safe batch sender needs that); with `accounts: "remote"` the node
 * signs. The network's fixed `gasPrice` (0 on the consortium network) applies to every write. The
 * deployment record is read from `ignition/deployments` under the project root, from any folder.
 */
export async function connectHardhat(
  hre: HardhatRuntimeEnvironment,
  options: HardhatConnectOptions = {},
): Promise<Connection & { network: NetworkConnection }> {
  const connection = await hre.network.create();
  const provider = connection.ethers.provider as unknown as Provider;
  let chainId: bigint;
  try {
    chainId = (await provider.getNetwork()).chainId;
  } catch (err) {
    throw new MedChainError(
      `cannot reach the node of network "${connection.networkName}": ${(err as Error).message.split("\n")[0]}`,
      { kind: "UNREACHABLE", cause: err },
    );
  }
  const addresses: Partial<Record<ContractName, string>> = {};
  const labels: Partial<Record<ContractName, string>> = {};
  for (const [name, value] of Object.entries(options.addresses ?? {}) as [ContractName, string | undefined][]) {
    labels[name] = options.labels?.[name] ?? `--${name}`;
    if (value !== undefined && value !== "") addresses[name] = value;
  }
  const fees = feesOf(connection);
  const base = {
    provider,
    chainId,
    ...(fees === undefined ? {} : { fees }),
    addresses,
    labels,
    deploymentsDir: path.join(hre.config.paths.root, "ignition", "deployments"),
    endpoint: `network "${connection.networkName}"`,
    network: connection,
  };
  let from = options.from ?? "";
  const as = options.as ?? "";
  if (from !== "" && !isAddress(from)) throw badInput(`"${from}" is not an address`, { field: "--from" });
  if (from !== "" && as !== "") throw badInput("give either --as or --from, not both", { field: "--as" });
  if (options.readOnly === true && from === "" && as === "") return base;
  let fixedIndex: number | undefined;
  if (as !== "") {
    const ref = await resolveNamedAccount(hre.config.paths.root, connection.networkName, as);
    if ("keystore" in ref) {
      const key = await readSecret(hre, ref.keystore, KEY32);
      return { ...base, signer: withFees(new Wallet(key, provider), fees) };
    }
    if ("address" in ref) from = ref.address;
    else fixedIndex = ref.index;
  }
  const signers = await connection.ethers.getSigners();
  if (signers.length === 0) throw badInput(`network "${connection.networkName}" has no accounts to sign with`);
  const index =
    fixedIndex ?? (from === "" ? 0 : signers.findIndex((s) => s.address.toLowerCase() === from.toLowerCase()));
  if (index < 0 || index >= signers.length) {
    const who = as !== "" ? `the account named "${as}"` : from;
    throw badInput(`${who} is not one of the accounts of network "${connection.networkName}"`, {
      field: as !== "" ? "--as" : "--from",
    });
  }
  const keys = await localKeys(connection);
  const key = keys[index];
  // A node-signed (remote) account gets its fees from Hardhat's own gasPrice handling.
  const signer: Signer =
    key !== undefined ? withFees(new Wallet(key, provider), fees) : (signers[index] as unknown as Signer);
  return { ...base, signer };
}

/**
 * A secret for a task: from the Hardhat keystore (`npx hardhat keystore set NAME`) or, failing that,
 * the environment variable NAME; never from the command line. Its form is checked (`format`).
 */
export async function readSecret(
  hre: HardhatRuntimeEnvironment,
  name: string,
  format: SecretFormat = KEY32,
): Promise<string> {
  const value = await hre.hooks.runHandlerChain(
    "configurationVariables",
    "fetchValue",
    [configVariable(name)],
    async (_context, variable) => {
      const env = process.env[variable.name];
      if (env === undefined || env === "") {
        throw badInput(`is not set: put it in the keystore (npx hardhat keystore set ${name}) or the environment`, {
          field: name,
        });
      }
      return env;
    },
  );
  return checkSecret(name, value, format);
}
