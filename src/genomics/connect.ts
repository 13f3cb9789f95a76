import { VoidSigner, ZeroAddress, type Signer } from "ethers";

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
import { openContract, type Connection } from "../chain/connection.js";

/**
 * The genomics module's contracts on one connection of the shared chain layer (`src/chain`): an
 * integrator connects with `connect({ rpcUrl, privateKey })`, the tasks with `connectHardhat`, and
 * both open the genomics contracts with {@link openGenomics}. The demo and tests build a
 * `GenomicsConnection` from contracts they hold.
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
  /** Who signs; on a read-only connection a `VoidSigner` of the zero address (reads work, writes refuse). */
  signer: Signer;
  chainId: bigint;
}

/** Contract addresses given explicitly (default: the connection's, else its deployment record). */
export interface GenomicsAddresses {
  registry?: string;
  datasets?: string;
  queries?: string;
  interpretations?: string;
}

/**
 * Opens the genomics contracts (and the registry) on a connection: each address from `addresses`,
 * else the connection's, else the deployment record; refuses a missing one or one without code,
 * naming its option.
 */
export async function openGenomics(conn: Connection, addresses: GenomicsAddresses = {}): Promise<GenomicsConnection> {
  const signer = conn.signer ?? new VoidSigner(ZeroAddress, conn.provider);
  // One after the other, so a missing contract is always reported in the same order.
  const [registry, datasets, queries, interpretations] = [
    await openContract(conn, "registry", addresses.registry),
    await openContract(conn, "genomicDatasets", addresses.datasets),
    await openContract(conn, "genomicQueries", addresses.queries),
    await openContract(conn, "variantInterpretations", addresses.interpretations),
  ];
  return {
    registry: registry.connect(signer),
    datasets: datasets.connect(signer),
    queries: queries.connect(signer),
    interpretations: interpretations.connect(signer),
    signer,
    chainId: conn.chainId,
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
