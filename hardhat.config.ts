import { createRequire } from "node:module";

import hardhatToolboxMochaEthersPlugin from "@nomicfoundation/hardhat-toolbox-mocha-ethers";
import { configVariable, defineConfig } from "hardhat/config";

import { medchainTasks } from "./tasks/index.js";

const require = createRequire(import.meta.url);

/**
 * Solidity is compiled offline from the pinned `solc` npm package: Hardhat
 * cannot download compilers on the consortium's build machines. The version
 * is read from the package so the two can never drift apart.
 */
const SOLC_PATH = require.resolve("solc/soljson.js");
const SOLC_VERSION = (require("solc/package.json") as { version: string }).version;

/**
 * Mocha's last root hook. Hardhat does not exit the process after the tests, so a node, socket or
 * child a test failed to close (typically after a timeout) would keep `npm test` running forever.
 * Five minutes after the last test, if the process is still held open, this names what holds it
 * and exits with the run's own exit code: Hardhat sets 1 once a run with failures has reported, and
 * leaves it unset for a passing one (its summary and a coverage report take seconds, not minutes).
 * The timer is unref'd: a clean run exits without it.
 */
function exitIfHeldOpen(): void {
  setTimeout(() => {
    const held = process.getActiveResourcesInfo().filter((kind) => kind !== "Timeout");
    const code = Number(process.exitCode ?? 0);
    process.stderr.write(
      `npm test: tests done, but still held open by: ${held.join(", ") || "timers"}; exiting with ${code}\n`,
    );
    process.exit(code);
  }, 300_000).unref();
}

/** `MEDCHAIN_DEEP_FUZZ=1`: the long fuzz and invariant campaign (`npm run test:deep`). */
const DEEP = process.env.MEDCHAIN_DEEP_FUZZ === "1";

const solcSettings = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: "cancun",
};

export default defineConfig({
  plugins: [hardhatToolboxMochaEthersPlugin],
  tasks: medchainTasks,
  solidity: {
    profiles: {
      default: { version: SOLC_VERSION, path: SOLC_PATH, settings: solcSettings },
      // Not isolated (Hardhat's default for `production`): the same solc input as `default`, so the
      // bytecode the tests run is the bytecode Ignition deploys and `npm pack` ships, and switching
      // profiles hits the compile cache instead of compiling every contract again on its own.
      production: {
        version: SOLC_VERSION,
        path: SOLC_PATH,
        settings: solcSettings,
        isolated: false,
        toolVersionsInBuildInfo: false,
      },
    },
  },
  networks: {
    // The embedded chain used by tests and the demo.
    default: {
      type: "edr-simulated",
      chainType: "l1",
      hardfork: "cancun",
      allowUnlimitedContractSize: false,
    },
    // A `hardhat node` (or anvil) in another process: stands in for a real chain.
    localhost: {
      type: "http",
      chainType: "l1",
      // MEDCHAIN_LOCALHOST_URL points it elsewhere (the e2e runs its node on a free port).
      url: process.env.MEDCHAIN_LOCALHOST_URL ?? "http://127.0.0.1:8545",
    },
    // A permissioned consortium chain (Besu QBFT/IBFT or similar), often with zero gas price.
    consortium: {
      type: "http",
      chainType: "l1",
      url: configVariable("CONSORTIUM_RPC_URL"),
      chainId: process.env.CONSORTIUM_CHAIN_ID ? Number(process.env.CONSORTIUM_CHAIN_ID) : undefined,
      accounts: [configVariable("CONSORTIUM_DEPLOYER_KEY")],
      gasPrice: 0,
    },
  },
  test: {
    mocha: { rootHooks: { afterAll: exitIfHeldOpen } },
    solidity: {
      // Fixed seed: CI runs are reproducible; change it locally to explore new inputs. CI runs 1,000
      // runs per fuzz property and invariant depth 50; `npm run test:deep` runs 20,000 of each.
      fuzz: { runs: DEEP ? 20_000 : 1_000, seed: "0x4d6564436861696e" },
      invariant: { runs: DEEP ? 20_000 : 64, depth: 50, failOnRevert: false },
    },
  },
  typechain: {
    outDir: "typechain-types",
  },
});
