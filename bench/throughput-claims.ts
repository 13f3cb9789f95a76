// The claims submission job of `npm run bench:throughput`: the suite deployed with Ignition on the
// bench's own node (exactly as an operator deploys it), a hospital and an insurer admitted by vote,
// 2 × `CLAIMS` invented patients enrolled (one job) and their visits' billing leaves anchored in one
// batch. Half of them measure the node's own ceiling for claims (their `submit` transactions signed
// beforehand and sent concurrently: what the node can execute of this work with no client time on
// the clock); for the other half, `CLAIMS` FHIR Claim files are submitted through the SDK's batch
// job (`submitClaimBatch`: reading and mapping every file, then the pipelined, journalled sender),
// timed from the first file read to the last receipt.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";

import { HDNodeWallet, Wallet, type Signer } from "ethers";

import { TestStablecoin__factory } from "../typechain-types/index.js";
import { connect, openContract, type Connection } from "../src/chain/connection.js";
import { memberIdFromCode } from "../src/chain/members.js";
import { runJob } from "../src/chain/pipeline.js";
import { patientReference, toFhirDate } from "../src/claims/codes.js";
import { openClaims, type ClaimsConnection } from "../src/claims/connect.js";
import { CLAIM_STATUS } from "../src/claims/engine.js";
import {
  CLAIMS_BATCH_FORMAT,
  fundEscrow,
  prepareClaim,
  publishPlan,
  readClaimsBatch,
  readDocumentationFile,
  submitClaimBatch,
} from "../src/claims/operations.js";
import { admit } from "../src/consortium/governance.js";
import { metadataCommitment } from "../src/consortium/ids.js";
import { kindMask } from "../src/consortium/kinds.js";
import { buildBatch } from "../src/records/merkle.js";
import { DEV_KEY, DEV_MNEMONIC, ROOT, type DevNode } from "../scripts/lib/nodes.js";
import { presignedRate } from "./presigned.js";

const SECRET = "invented-member-secret-bench";
const DEPLOYMENT_ID = "bench-throughput-claims";
const key = (i: number) => HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).privateKey;

async function admitMember(conn: Connection, code: string, kinds: Parameters<typeof kindMask>, accountKey: Signer) {
  const block = await conn.provider.getBlock("latest");
  await admit(conn, {
    certifier: conn.signer!,
    governors: [1, 2].map((g) => new Wallet(key(g), conn.provider)),
    applicant: {
      memberId: memberIdFromCode(code),
      metadata: metadataCommitment(`${code} registration documents`),
      kinds: kindMask(...kinds),
      account: await accountKey.getAddress(),
      certifiedUntil: BigInt(block!.timestamp) + 365n * 86_400n,
    },
    accountKey,
  });
}

/**
 * The suite on `node`, ready for `count` claims twice over: returns what measures the node's own
 * ceiling on the first `count` and what submits the other `count` as a batch job.
 */
export async function prepareClaimsJob(
  node: DevNode,
  count: number,
): Promise<{ claimCeiling: () => Promise<number>; submit: () => Promise<number> }> {
  const work = await mkdtemp(path.join(tmpdir(), "medchain-bench-claims-"));
  const admin = await connect({ rpcUrl: node.url, privateKey: DEV_KEY });
  const token = await new TestStablecoin__factory(admin.signer!).deploy();
  await token.waitForDeployment();
  const params = path.join(work, "params.json");
  const localhost = JSON.parse(await readFile(path.join(ROOT, "ignition/parameters/localhost.json"), "utf8"));
  await writeFile(params, JSON.stringify({ ...localhost, Claims: { token: await token.getAddress() } }));
  const deployments = path.join(ROOT, "ignition", "deployments", DEPLOYMENT_ID);
  await rm(deployments, { recursive: true, force: true });
  await promisify(execFile)(
    path.join(ROOT, "node_modules", ".bin", "hardhat"),
    [
      "ignition",
      "deploy",
      "ignition/modules/MedChain.ts",
      "--network",
      "localhost",
      "--parameters",
      params,
      "--deployment-id",
      DEPLOYMENT_ID,
    ],
    {
      cwd: ROOT,
      env: { ...process.env, MEDCHAIN_LOCALHOST_URL: node.url, HARDHAT_IGNITION_CONFIRM_DEPLOYMENT: "true" },
    },
  );
  const addresses = JSON.parse(await readFile(path.join(deployments, "deployed_addresses.json"), "utf8"));
  await rm(deployments, { recursive: true, force: true });
  const suite = {
    registry: addresses["Consortium#ConsortiumRegistry"],
    records: addresses["Records#RecordRegistry"],
    claimsEngine: addresses["Claims#ClaimsEngine"],
    claimsPlans: addresses["Claims#ClaimsPlans"],
  };
  const as = (i: number) => connect({ rpcUrl: node.url, privateKey: key(i), addresses: suite });
  // Accounts 0-9: anvil funds ten dev accounts (hardhat node twenty).
  const [certifier, hospitalConn, insurerConn] = await Promise.all([as(0), as(4), as(9)]);
  await admitMember(certifier, "BENCH-HOSP", ["Hospital"], hospitalConn.signer!);
  await admitMember(certifier, "BENCH-INS", ["Insurer"], insurerConn.signer!);

  const insurer = await openClaims(insurerConn);
  await (await token.mint(insurer.signerAddress, 10n ** 15n)).wait();
  const { planId } = await publishPlan(insurer, path.join(ROOT, "test/fixtures/claims/plan.json"));
  await fundEscrow(insurer, "500000000");
  const now = BigInt((await admin.provider.getBlock("latest"))!.timestamp);
  const day = toFhirDate(now - 86_400n);
  const refs = Array.from({ length: 2 * count }, (_, i) => patientReference(`Patient/bench-${i}`, SECRET));
  const start = now - 30n * 86_400n;
  const plans = insurer.plans;
  await runJob(
    insurerConn,
    refs.map((ref, i) => ({
      key: `enrol:${i}`,
      call: {
        to: suite.claimsPlans,
        data: plans.interface.encodeFunctionData("enrol", [planId, ref, start, now + 300n * 86_400n]),
      },
    })),
    { journal: path.join(work, "enrol.journal") },
  );

  // One batch of billing documentation leaves, one per patient, anchored by the hospital.
  const commitments = refs.map((_, i) => metadataCommitment(`bench visit ${i}`));
  const batch = buildBatch(refs.map((ref, i): [string, string] => [ref, commitments[i]!]));
  const records = await openContract(hospitalConn, "records");
  await (await records.anchorBatch(batch.root, refs.length, 1)).wait();

  const visit = JSON.parse(await readFile(path.join(ROOT, "test/fixtures/claims/visit-claim.json"), "utf8"));
  const entries: Array<{ fhir: string; record: string }> = [];
  for (let i = 0; i < refs.length; i++) {
    const claim = {
      ...visit,
      id: `bench-${i}`,
      patient: { reference: `Patient/bench-${i}` },
      item: visit.item.map((item: object) => ({ ...item, servicedDate: day })),
    };
    await writeFile(path.join(work, `claim-${i}.json`), JSON.stringify(claim));
    await writeFile(
      path.join(work, `claim-${i}.doc.json`),
      JSON.stringify({ commitment: commitments[i], batchRoot: batch.root, proof: batch.proofs[i] }),
    );
    entries.push({ fhir: `claim-${i}.json`, record: `claim-${i}.doc.json` });
  }
  // Claims 0..count-1 are the ceiling's, count..2 × count-1 the job's.
  const batchFile = path.join(work, "batch.json");
  await writeFile(batchFile, JSON.stringify({ format: CLAIMS_BATCH_FORMAT, claims: entries.slice(count) }));
  const hospital = await openClaims(hospitalConn);
  const engine = await hospital.engine.getAddress();
  const ceilingData = await Promise.all(
    entries.slice(0, count).map(async (e) => {
      const draft = await prepareClaim(hospital, {
        file: path.join(work, e.fhir),
        planId,
        secret: SECRET,
        documentation: await readDocumentationFile(path.join(work, e.record)),
      });
      return hospital.engine.interface.encodeFunctionData("submit", [draft.input]);
    }),
  );

  /** Claims per second of the node alone, on the ceiling's claims; throws unless each was approved. */
  const claimCeiling = async (): Promise<number> => {
    const gasLimit =
      ((await hospitalConn.provider.estimateGas({ from: hospital.signerAddress, to: engine, data: ceilingData[0]! })) *
        6n) /
      5n;
    const wallet = new Wallet(key(4));
    const rate = await presignedRate(node, hospitalConn.provider, [
      { wallet, txs: ceilingData.map((data) => ({ to: engine, data, gasLimit })) },
    ]);
    const approved = await approvedAmong(hospital, 1n, BigInt(count));
    if (approved !== count) throw new Error(`the claims ceiling run approved ${approved} of ${count} claims`);
    return rate;
  };

  /** Submits the batch (timed by the caller); throws unless every claim was approved exactly once. Returns the transactions mined. */
  const submit = async (): Promise<number> => {
    const { claims, report } = await submitClaimBatch(hospital, {
      entries: await readClaimsBatch(batchFile),
      planId,
      secret: SECRET,
      journal: path.join(work, "submit.journal"),
    });
    const approved = claims.filter((c) => c.status === "Approved").length;
    if (report.sent !== count || approved !== count || (await hospital.engine.claimCount()) !== BigInt(2 * count))
      throw new Error(`the claims job sent ${report.sent} and approved ${approved} of ${count} claims`);
    await rm(work, { recursive: true, force: true });
    return report.transactions;
  };
  return { claimCeiling, submit };
}

/** How many of claims `from`..`to` the chain holds as Approved. */
async function approvedAmong(c: ClaimsConnection, from: bigint, to: bigint): Promise<number> {
  const statuses = await Promise.all(
    Array.from({ length: Number(to - from + 1n) }, (_, i) => c.engine.claimOf(from + BigInt(i))),
  );
  return statuses.filter((claim) => CLAIM_STATUS[Number(claim.status)] === "Approved").length;
}
