import { Contract } from "ethers";

import {
  SettlementVault__factory,
  type ClaimsEngine,
  type ClaimsPlans,
  type SettlementVault,
} from "../../typechain-types/index.js";
import { openContract, requireSigner, type Connection } from "../chain/connection.js";

/** The few ERC-20 functions the claims SDK uses (the token is any ERC-20 set at deployment). */
export const ERC20_ABI = [
  "function name() view returns (string)",
  "function symbol() view returns (string)",
  "function decimals() view returns (uint8)",
  "function balanceOf(address owner) view returns (uint256)",
  "function allowance(address owner, address spender) view returns (uint256)",
  "function approve(address spender, uint256 amount) returns (bool)",
  "function mint(address to, uint256 amount)",
  "error ERC20InsufficientAllowance(address spender, uint256 allowance, uint256 needed)",
  "error ERC20InsufficientBalance(address sender, uint256 balance, uint256 needed)",
];

/** The claims contracts, signed by the connection's signer, and the token's decimals. */
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
  /** The shared connection (batch jobs send through it); absent when built from contracts by hand. */
  conn?: Connection;
}

/**
 * Opens the claims contracts on a connection: the `engine` / `plans` addresses if given, else the
 * connection's addresses or the ones Ignition deployed on its chain; the vault and the token are
 * read from the engine.
 */
export async function openClaims(
  conn: Connection,
  explicit: { engine?: string; plans?: string } = {},
): Promise<ClaimsConnection> {
  const signer = requireSigner(conn, "the claims module");
  const [engine, plans] = await Promise.all([
    openContract(conn, "claimsEngine", explicit.engine),
    openContract(conn, "claimsPlans", explicit.plans),
  ]);
  const vault = SettlementVault__factory.connect(await engine.vault(), signer);
  const token = new Contract(await vault.token(), ERC20_ABI, signer);
  const [decimals, signerAddress] = await Promise.all([token.getFunction("decimals")(), signer.getAddress()]);
  return {
    engine,
    vault,
    token,
    plans,
    decimals: Number(decimals),
    chainId: conn.chainId,
    signerAddress,
    conn,
  };
}
