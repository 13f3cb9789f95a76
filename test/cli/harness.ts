/**
 * The bad-input harness: runs MedChain tasks in-process, exactly as the command line parses them,
 * against a real node (anvil on a free port, one per test file) where the whole suite is deployed
 * once with Ignition and the standard consortium is admitted (the named accounts of
 * `medchain.accounts.json`: hospital-a is HOSP-0001, hospital-b HOSP-0002, …, see `MEMBERS`).
 *
 * ```ts
 * const h = await startHarness();            // in before(); h.stop() in after()
 * await h.refused(["records", "anchor", file, "--patients", p, "--as", "hospital-a"], {
 *   exitCode: 1, message: `${file}: subject: the patient "Patient/9" is not in the patients file`,
 * });
 * const ok = await h.run(["records", "anchor", file, "--patients", p, "--as", "hospital-a", "--json"]);
 * ```
 *
 * `refused` asserts the exit code, exactly one line on stderr (`error: …`) and nothing on stdout
 * (or, under `--json`, exactly one JSON error document on stdout and nothing on stderr), that the
 * line names what it must (`message`: a substring or a pattern), and that no transaction was sent
 * (the node's block number and every named account's nonce, latest and pending, are unchanged).
 * A run takes milliseconds: no process is started and no Hardhat runtime is created per case.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { HDNodeWallet, JsonRpcProvider, Network, Wallet } from "ethers";
import { createHardhatRuntimeEnvironment } from "hardhat/hre";
import type { HardhatRuntimeEnvironment } from "hardhat/types/hre";

import hardhatConfig from "../../hardhat.config.js";
import MedChainModule from "../../ignition/modules/MedChain.js";
import TestStablecoinModule from "../../ignition/modules/TestStablecoin.js";
import {
  parseRawArguments,
  parseTask,
  parseTaskArguments,
} from "../../node_modules/hardhat/dist/src/internal/cli/parser.js";
import { connect, withSigner, type Connection } from "../../src/chain/connection.js";
import { memberIdFromCode } from "../../src/chain/members.js";
import { admit } from "../../src/consortium/governance.js";
import { metadataCommitment } from "../../src/consortium/ids.js";
import { kindMask, type MemberKindName } from "../../src/consortium/kinds.js";
import { DEV_MNEMONIC, ROOT, startNode, type DevNode } from "../../scripts/lib/nodes.js";

/** The named accounts of `medchain.accounts.json` (network `localhost`) and their dev-mnemonic index. */
export const ACCOUNTS = {
  certifier: 0,
  "governor-1": 1,
  "governor-2": 2,
  "governor-3": 3,
  "hospital-a": 4,
  "hospital-b": 5,
  lab: 6,
  manufacturer: 7,
  distributor: 8,
  pharmacy: 9,
  insurer: 10,
  regulator: 11,
} as const;
export type AccountName = keyof typeof ACCOUNTS;

/** The members the harness admits: named account, registration code, kinds. */
export const MEMBERS: ReadonlyArray<{ as: AccountName; code: string; kinds: MemberKindName[] }> = [
  { as: "hospital-a", code: "HOSP-0001", kinds: ["Hospital"] },
  { as: "hospital-b", code: "HOSP-0002", kinds: ["Hospital"] },
  { as: "lab", code: "LAB-0001", kinds: ["Laboratory"] },
  { as: "manufacturer", code: "MFR-0001", kinds: ["Manufacturer"] },
  { as: "distributor", code: "DST-0001", kinds: ["Distributor"] },
  { as: "pharmacy", code: "PHA-0001", kinds: ["Pharmacy"] },
  { as: "insurer", code: "INS-0001", kinds: ["Insurer"] },
  { as: "regulator", code: "REG-0001", kinds: ["Regulator"] },
];

/** What a task run printed and how it ended. */
export interface TaskRun {
  stdout: string;
  stderr: string;
  exitCode: number;
  /** The parsed JSON document on stdout, when the run had `--json` and printed one. */
  json?: { ok: boolean; result?: unknown; verdict?: string; error?: Record<string, unknown> };
}

export interface Refusal {
  /** Expected exit code (1 bad input, 2 negative verdict, 3 refused by the contract, …). */
  exitCode: number;
  /** What the one line must say: a substring or a pattern. */
  message: string | RegExp;
  /** Expected `where` of the JSON error document (`--json` runs). */
  where?: { file?: string; field?: string };
}

export interface Harness {
  node: DevNode;
  /** A Hardhat runtime whose `localhost` network is the harness node (the tasks run on it). */
  hre: HardhatRuntimeEnvironment;
  /** A connection to the node signing as the certifier (for setting up a case through the SDK). */
  conn: Connection;
  chainId: bigint;
  /** A scratch folder for the file's inputs (removed by `stop`). */
  dir: string;
  /** The wallet of a named account. */
  wallet(name: AccountName): Wallet;
  /** The connection signing as a named account. */
  as(name: AccountName): Connection;
  /** Runs a task as the command line would (`["records", "anchor", "x.json", "--as", "hospital-a"]`). */
  run(argv: string[]): Promise<TaskRun>;
  /** Runs a task that must be refused: see the file comment. Returns the run. */
  refused(argv: string[], expected: Refusal): Promise<TaskRun>;
  /** The node's state that any transaction changes: block number and every named account's nonces. */
  snapshot(): Promise<string>;
  stop(): Promise<void>;
}

/** The dev mnemonic's wallet at `index` (anvil funds the first 20). */
function devWallet(index: number): Wallet {
  const hd = HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${index}`);
  return new Wallet(hd.privateKey);
}

/** Runs `body` with stdout, stderr and the exit code captured; restores them afterwards. */
async function captured(body: () => Promise<void>): Promise<Omit<TaskRun, "json">> {
  const out: string[] = [];
  const err: string[] = [];
  const write = { out: process.stdout.write.bind(process.stdout), err: process.stderr.write.bind(process.stderr) };
  const { log, error, warn } = console;
  const before = process.exitCode;
  process.exitCode = undefined;
  process.stdout.write = ((chunk: string | Uint8Array) => (out.push(String(chunk)), true)) as typeof write.out;
  process.stderr.write = ((chunk: string | Uint8Array) => (err.push(String(chunk)), true)) as typeof write.err;
  console.log = (...a: unknown[]) => void out.push(a.map(String).join(" ") + "\n");
  console.error = (...a: unknown[]) => void err.push(a.map(String).join(" ") + "\n");
  console.warn = console.error;
  let exitCode: number;
  try {
    await body();
  } catch (thrown) {
    // What Hardhat's CLI does with an error a task did not handle (an argument it could not parse):
    // prints its message and exits 1. A task of ours should never get here with its own errors.
    err.push(`${(thrown as Error).message}\n`);
    process.exitCode = process.exitCode === undefined || process.exitCode === 0 ? 1 : process.exitCode;
  } finally {
    exitCode = Number(process.exitCode ?? 0);
    process.stdout.write = write.out;
    process.stderr.write = write.err;
    Object.assign(console, { log, error, warn });
    process.exitCode = before;
  }
  return { stdout: out.join(""), stderr: err.join(""), exitCode };
}

/**
 * Starts a node, deploys the suite, admits the standard members, and returns the harness. Takes a
 * few seconds; call it once per test file (in `before`, with a generous timeout).
 */
export async function startHarness(): Promise<Harness> {
  // A chain id of its own: Ignition's deployment record goes to ignition/deployments/chain-<id>/,
  // where the tasks find the contracts; it is removed by stop().
  const chainId = 41_000 + Math.floor(Math.random() * 9_000);
  const node = await startNode("anvil", { chainId });
  const deploymentDir = path.join(ROOT, "ignition", "deployments", `chain-${chainId}`);
  const dir = await mkdtemp(path.join(tmpdir(), "medchain-cli-"));
  try {
    const config = {
      ...hardhatConfig,
      networks: {
        ...hardhatConfig.networks,
        localhost: { type: "http" as const, chainType: "l1" as const, url: node.url },
      },
    };
    const hre = await createHardhatRuntimeEnvironment(config, { network: "localhost" }, ROOT);
    const { ignition } = await hre.network.create();
    const certifier = devWallet(ACCOUNTS.certifier);
    const governors = [1, 2, 3].map(devWallet);
    const { token } = await ignition.deploy(TestStablecoinModule, { displayUi: false });
    await ignition.deploy(MedChainModule, {
      displayUi: false,
      parameters: {
        Consortium: {
          certifier: certifier.address,
          governors: governors.map((g) => g.address),
          threshold: 2,
          votingPeriod: 604_800,
        },
        Claims: { token: await token.getAddress() },
      },
    });
    const provider = new JsonRpcProvider(node.url, undefined, {
      staticNetwork: Network.from(chainId),
      cacheTimeout: -1,
    });
    const conn = await connect({
      provider,
      signer: certifier.connect(provider),
      deployments: path.dirname(deploymentDir),
    });
    const until = BigInt(Math.floor(Date.now() / 1000)) + 365n * 86_400n;
    for (const m of MEMBERS) {
      await admit(conn, {
        certifier: certifier.connect(provider),
        governors: governors.slice(0, 2).map((g) => g.connect(provider)),
        applicant: {
          memberId: memberIdFromCode(m.code),
          metadata: metadataCommitment(`${m.code} registration documents (invented)`),
          kinds: kindMask(...m.kinds),
          account: devWallet(ACCOUNTS[m.as]).address,
          certifiedUntil: until,
        },
      });
    }
    const names = Object.keys(ACCOUNTS) as AccountName[];
    const snapshot = async () => {
      const block = await provider.getBlockNumber();
      const nonces = await Promise.all(
        names.flatMap((n) => [
          provider.getTransactionCount(devWallet(ACCOUNTS[n]).address, "latest"),
          provider.getTransactionCount(devWallet(ACCOUNTS[n]).address, "pending"),
        ]),
      );
      return `block ${block}, nonces ${nonces.join(",")}`;
    };
    const run = async (argv: string[]): Promise<TaskRun> => {
      const result = await captured(async () => {
        const args = parseRawArguments(argv);
        const used = new Array<boolean>(args.length).fill(false);
        const task = parseTask(args, used, hre.tasks.rootTasks);
        if (Array.isArray(task)) throw new Error(`no task ${argv.join(" ")}`);
        await task.run(parseTaskArguments(args, used, task));
      });
      if (!argv.includes("--json")) return result;
      try {
        return { ...result, json: JSON.parse(result.stdout) as TaskRun["json"] };
      } catch {
        return result;
      }
    };
    const harness: Harness = {
      node,
      hre,
      conn,
      chainId: BigInt(chainId),
      dir,
      wallet: (name) => devWallet(ACCOUNTS[name]).connect(provider),
      as: (name) => withSigner(conn, devWallet(ACCOUNTS[name]).connect(provider)),
      run,
      snapshot,
      async refused(argv, expected) {
        const before = await snapshot();
        const result = await run(argv);
        const shown = `${argv.join(" ")}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`;
        expect(result.exitCode, `exit code of: ${shown}`).to.equal(expected.exitCode);
        const matches = (text: string) =>
          typeof expected.message === "string" ? text.includes(expected.message) : expected.message.test(text);
        if (argv.includes("--json")) {
          expect(result.stderr, `stderr of: ${shown}`).to.equal("");
          expect(result.stdout.trimEnd().split("\n"), `one JSON document: ${shown}`).to.have.length(1);
          const error = result.json?.error;
          expect(result.json?.ok, shown).to.equal(false);
          expect(error?.exitCode, shown).to.equal(expected.exitCode);
          expect(matches(String(error?.message)), `message of: ${shown}`).to.equal(true);
          if (expected.where !== undefined) expect(error?.where, shown).to.deep.include(expected.where);
        } else {
          expect(result.stdout, `stdout of: ${shown}`).to.equal("");
          const lines = result.stderr.split("\n").filter((l) => l !== "");
          expect(lines, `one line on stderr: ${shown}`).to.have.length(1);
          expect(lines[0], shown).to.match(/^error: /);
          expect(matches(lines[0]!), `the line of: ${shown}`).to.equal(true);
        }
        expect(await snapshot(), `nothing sent by: ${argv.join(" ")}`).to.equal(before);
        return result;
      },
      async stop() {
        await node.stop();
        await rm(deploymentDir, { recursive: true, force: true });
        await rm(dir, { recursive: true, force: true });
      },
    };
    return harness;
  } catch (err) {
    await node.stop();
    await rm(deploymentDir, { recursive: true, force: true });
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
