// The MedChain indexer's Ponder configuration: the chain and the suite's contracts from the
// environment and the Ignition deployment file (src/indexer/settings.ts); PGlite in .ponder/ by
// default, PostgreSQL when DATABASE_URL is set. Run it with `npm run indexer` (README, "Indexer").
import { fileURLToPath } from "node:url";

import { createConfig } from "ponder";

import { indexerSettings, type IndexedContract } from "../src/indexer/settings.js";
import {
  ClaimsEngine__factory,
  ClaimsPlans__factory,
  ConsortiumRegistry__factory,
  DrugProvenance__factory,
  GenomicDatasets__factory,
  GenomicQueries__factory,
  ProductRegistry__factory,
  RecordRegistry__factory,
  SettlementVault__factory,
  VariantInterpretations__factory,
} from "../typechain-types/index.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const settings = await indexerSettings(process.env, ROOT);

/** Each indexed contract's ABI, from the TypeChain factories the SDK ships. */
const ABIS = {
  ConsortiumRegistry: ConsortiumRegistry__factory.abi,
  RecordRegistry: RecordRegistry__factory.abi,
  DrugProvenance: DrugProvenance__factory.abi,
  ProductRegistry: ProductRegistry__factory.abi,
  ClaimsPlans: ClaimsPlans__factory.abi,
  ClaimsEngine: ClaimsEngine__factory.abi,
  SettlementVault: SettlementVault__factory.abi,
  GenomicDatasets: GenomicDatasets__factory.abi,
  GenomicQueries: GenomicQueries__factory.abi,
  VariantInterpretations: VariantInterpretations__factory.abi,
} as const satisfies Record<IndexedContract, unknown>;

// A contract not deployed on this chain is followed at the zero address: it has no events there, and
// the handlers stay registered for every module.
const ZERO: `0x${string}` = "0x0000000000000000000000000000000000000000";
const contract = <N extends IndexedContract>(name: N) => ({
  chain: "medchain" as const,
  abi: ABIS[name],
  address: settings.addresses[name] ?? ZERO,
  startBlock: settings.startBlock,
});

const databaseUrl = process.env.DATABASE_URL ?? "";

export default createConfig({
  database:
    databaseUrl !== ""
      ? { kind: "postgres", connectionString: databaseUrl }
      : {
          kind: "pglite",
          directory: process.env.MEDCHAIN_PGLITE_DIR || fileURLToPath(new URL(".ponder/pglite", import.meta.url)),
        },
  chains: {
    medchain: {
      id: settings.chainId,
      rpc: settings.rpcUrl,
      pollingInterval: settings.pollingIntervalMs,
      // Local dev nodes answer eth_getLogs over any range; consortium nodes (Besu) limit it.
      ethGetLogsBlockRange: 5_000,
    },
  },
  contracts: {
    ConsortiumRegistry: contract("ConsortiumRegistry"),
    RecordRegistry: contract("RecordRegistry"),
    DrugProvenance: contract("DrugProvenance"),
    ProductRegistry: contract("ProductRegistry"),
    ClaimsPlans: contract("ClaimsPlans"),
    ClaimsEngine: contract("ClaimsEngine"),
    SettlementVault: contract("SettlementVault"),
    GenomicDatasets: contract("GenomicDatasets"),
    GenomicQueries: contract("GenomicQueries"),
    VariantInterpretations: contract("VariantInterpretations"),
  },
});
