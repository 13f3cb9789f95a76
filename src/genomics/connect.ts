import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";
import { isAddress, type Signer } from "ethers";

import {
  ConsortiumRegistry__factory,
  GenomicDatasets__factory,
  GenomicQueries__factory,
  VariantInterpretations__factory,
  type ConsortiumRegistry,
  type GenomicDatasets,
  type GenomicQueries,
  type VariantInterpretations,
} from "../../typechain-types/index.js";
import { FUTURE_IDS, resolveAddress } from "../chain/deployments.js";
import { MedChainError } from "../chain/errors.js";
import { checkAddress } from "../consortium/connect.js";

/**
 * The genomics module's only chain plumbing: which contracts, on which chain, signing as whom. Tasks
 * call `connectGenomics`; the demo and tests build a `GenomicsConnection` from contracts they hold.
 * (Kept in one place so it can move onto the shared src/chain layer without touching the rest.)
 */

/** Ignition's future ids of the genomics contracts (ignition/modules/Genomics.ts). */
export const GENOMICS_FUTURE_IDS = {
  datasets: "Genomics#GenomicDatasets",
  queries: "Genomics#GenomicQueries",
  interpretations: "Genomics#VariantInterpretations",
} as const;

/** The genomics contracts, connected to one signer. */
export interface GenomicsConnection {
  registry: ConsortiumRegistry;
  datasets: GenomicDatasets;
  queries: GenomicQueries;
  interpretations: VariantInterpretations;
  signer: Signer;
  chainId: bigint;
}

/** Options naming the contracts (default: the Ignition deployment of the selected network). */
export interface GenomicsOptions {
  registry?: string;
  datasets?: string;
  queries?: string;
  interpretations?: string;
  from?: string;
}

export async function connectGenomics(
  hre: HardhatRuntimeEnvironment,
  options: GenomicsOptions,
): Promise<GenomicsConnection> {
  const { ethers } = await hre.network.create();
  const { chainId } = await ethers.provider.getNetwork();
  const at = async (explicit: string | undefined, futureId: string, option: string): Promise<string> => {
    const address = await resolveAddress(explicit, chainId, futureId, option);
    if (!isAddress(address)) throw new MedChainError(`--${option}: "${address}" is not an address`);
    if ((await ethers.provider.getCode(address)) === "0x") {
      throw new MedChainError(`--${option}: no contract at ${address} on chain ${chainId}`);
    }
    return address;
  };
  const from = options.from ?? "";
  const signer = from === "" ? (await ethers.getSigners())[0] : await ethers.getSigner(checkAddress(from, "from"));
  if (signer === undefined) throw new MedChainError("network has no accounts to sign with");
  return {
    registry: ConsortiumRegistry__factory.connect(await at(options.registry, FUTURE_IDS.registry, "registry"), signer),
    datasets: GenomicDatasets__factory.connect(
      await at(options.datasets, GENOMICS_FUTURE_IDS.datasets, "datasets"),
      signer,
    ),
    queries: GenomicQueries__factory.connect(await at(options.queries, GENOMICS_FUTURE_IDS.queries, "queries"), signer),
    interpretations: VariantInterpretations__factory.connect(
      await at(options.interpretations, GENOMICS_FUTURE_IDS.interpretations, "interpretations"),
      signer,
    ),
    signer,
    chainId,
  };
}

/** The same contracts connected to another signer. */
export function asSigner(c: GenomicsConnection, signer: Signer): GenomicsConnection {
  return {
    ...c,
    registry: c.registry.connect(signer),
    datasets: c.datasets.connect(signer),
    queries: c.queries.connect(signer),
    interpretations: c.interpretations.connect(signer),
    signer,
  };
}

/** Every genomics contract's interface, for decoding refusals. */
export function genomicsInterfaces() {
  return [
    GenomicDatasets__factory.createInterface(),
    GenomicQueries__factory.createInterface(),
    VariantInterpretations__factory.createInterface(),
    ConsortiumRegistry__factory.createInterface(),
  ];
}
