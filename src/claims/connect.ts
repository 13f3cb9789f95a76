import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { Contract, isAddress } from "ethers";

import {
  ClaimsEngine__factory,
  ClaimsPlans__factory,
  SettlementVault__factory,
  type ClaimsEngine,
  type ClaimsPlans,
  type SettlementVault,
} from "../../typechain-types/index.js";
import { FUTURE_IDS, resolveAddress } from "../chain/deployments.js";
import { MedChainError } from "../chain/errors.js";
import { checkAddress } from "../consortium/connect.js";

/** The few ERC-20 functions the tasks use (the token is any ERC-20 set at deployment). */
const ERC20_ABI = [
  "function decimals() view returns (uint8)",
  "function symbol() view returns (string)",
  "function allowance(address owner, address spender) view returns (uint256)",
  "function approve(address spender, uint256 amount) returns (bool)",
];

/** The claims contracts a task works with, signed by the chosen account, and the token's decimals. */
export interface ClaimsConnection {
  engine: ClaimsEngine;
  /** The settlement vault the engine deployed (escrow, credits). */
  vault: SettlementVault;
  /** The settlement token (ERC-20 with decimals). */
  token: Contract;
  plans: ClaimsPlans;
  decimals: number;
  chainId: bigint;
  signerAddress: string;
}

/**
 * Connects a task to the claims contracts: the `--engine` / `--plans` addresses if given, else the
 * ones Ignition deployed on this network. Signs with the network's first account unless `from`
 * names another.
 */
export async function connectClaims(
  hre: HardhatRuntimeEnvironment,
  options: { engine: string; plans: string; from: string },
): Promise<ClaimsConnection> {
  const { ethers } = await hre.network.create();
  const { chainId } = await ethers.provider.getNetwork();
  const engineAddress = await resolveAddress(options.engine, chainId, FUTURE_IDS.claimsEngine, "engine");
  const plansAddress = await resolveAddress(options.plans, chainId, FUTURE_IDS.claimsPlans, "plans");
  for (const [name, address] of [
    ["engine", engineAddress],
    ["plans", plansAddress],
  ] as const) {
    if (!isAddress(address)) throw new MedChainError(`--${name}: "${address}" is not an address`);
    if ((await ethers.provider.getCode(address)) === "0x") {
      throw new MedChainError(`--${name}: no contract at ${address} on chain ${chainId}`);
    }
  }
  const signer =
    options.from === "" ? (await ethers.getSigners())[0] : await ethers.getSigner(checkAddress(options.from, "from"));
  if (signer === undefined) throw new MedChainError("network has no accounts to sign with");
  const engine = ClaimsEngine__factory.connect(engineAddress, signer);
  const vault = SettlementVault__factory.connect(await engine.vault(), signer);
  const token = new Contract(await vault.token(), ERC20_ABI, signer);
  return {
    engine,
    vault,
    token,
    plans: ClaimsPlans__factory.connect(plansAddress, signer),
    decimals: Number(await token.getFunction("decimals")()),
    chainId,
    signerAddress: await signer.getAddress(),
  };
}
