// A plain Node 22 program using the installed `medchain` package, as an integrator's would: no
// Hardhat, no tsx, only the package and its runtime dependencies. Run by scripts/e2e/package.sh
// against a node where the suite is deployed. Environment: RPC_URL, PRIVATE_KEY, DEPLOYMENTS,
// RECORD (a FHIR file), WORK (a scratch folder), INSURER_KEY (a second funded key: the insurer's),
// PLAN and CLAIM (a plan JSON file and a FHIR Claim). Exits non-zero on the first failed check.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";

import { connect, EXIT_CODES, MedChainError, memberRef, openContract, runJob } from "medchain";
import {
  certify,
  execute,
  kindMask,
  members,
  metadataCommitment,
  memberIdFromCode,
  openRegistry,
  proveAccount,
  toAccountProof,
  vote,
} from "medchain/consortium";
import {
  anchorRecords,
  CATEGORIES,
  consentFileOf,
  consentTerms,
  fetchRecords,
  grantConsent,
  loadRecords,
  patientAccountFor,
  patientMapOf,
  PURPOSES,
  readProof,
  verifyRecord,
} from "medchain/records";
import {
  Catalog,
  commissionLot,
  planLot,
  productsOf,
  proposePrefixChange,
  registerProduct,
  verifyPack,
  writeLotFiles,
} from "medchain/provenance";
import {
  CLAIM_STATUS,
  enrolPatient,
  fundEscrow,
  openClaims,
  patientReference,
  publishPlan,
  readClaim,
  readDocumentationFile,
  submitFhirClaim,
} from "medchain/claims";
import { Contract } from "ethers";
import * as genomics from "medchain/genomics";

const { RPC_URL, PRIVATE_KEY, DEPLOYMENTS, RECORD, WORK, INSURER_KEY, PLAN, CLAIM } = process.env;
const conn = await connect({
  rpcUrl: RPC_URL,
  privateKey: PRIVATE_KEY,
  deployments: DEPLOYMENTS,
  fees: { gasPrice: 0n },
});
const me = await conn.signer.getAddress();
const check = (what) => console.log(`ok - ${what}`);

// Consortium: certify the operator's institution, vote (1-of-1), execute, list.
const code = "PKG-HOSP-0001";
// The operator's own key proves it agrees to operate for the institution (it is both here).
const accountProof = toAccountProof(await proveAccount(conn, { memberId: memberIdFromCode(code) }));
const certified = await certify(conn, {
  accountProof,
  memberId: memberIdFromCode(code),
  metadata: metadataCommitment("registration documents of an invented hospital"),
  kinds: kindMask("Hospital", "Manufacturer"),
  account: me,
  certifiedUntil: 4102444800n,
});
assert.equal(typeof certified.hash, "string");
assert.equal(certified.events[0]?.name, "ProposalCreated");
await vote(conn, { proposalId: certified.proposalId });
const executed = await execute(conn, { proposalId: certified.proposalId });
assert.ok(
  executed.events.some((e) => e.name === "MemberAdmitted"),
  "execute emitted MemberAdmitted",
);
const rows = await members(conn);
assert.deepEqual(
  rows.map((r) => [r.memberId, r.status, r.kinds]),
  [[memberIdFromCode(code), "Active", ["Hospital", "Manufacturer"]]],
);
check("consortium: certify, vote, execute, members");

// A refusal is a MedChainError with the decoded custom error; bad input is refused before sending.
try {
  await vote(conn, { proposalId: certified.proposalId });
  assert.fail("a second vote was accepted");
} catch (err) {
  assert.ok(err instanceof MedChainError);
  assert.equal(err.kind, "REFUSED");
  assert.equal(err.exitCode, EXIT_CODES.REFUSED);
  assert.equal(err.revert?.name, "ConsortiumProposalAlreadyExecuted");
  assert.equal(err.revert?.args.proposalId, certified.proposalId);
}
assert.throws(
  () => memberRef("0x12", "member"),
  (err) => err instanceof MedChainError && err.kind === "BAD_INPUT",
);
check("errors: REFUSED with the decoded custom error, BAD_INPUT before sending");

// Records: the hospital's patients file maps the record's patient to her account at this hospital
// (derived from her own secret); anchor with the existing SDK, then verify it and a tampered copy.
const records = await openContract(conn, "records");
const inputs = await loadRecords(RECORD);
const patient = patientAccountFor("0x" + "5a".repeat(32), memberIdFromCode(code)).address;
const patients = patientMapOf(
  { format: "medchain.patients.v1", patients: [{ reference: "Patient/demo-patient-0001", account: patient }] },
  "patients.json",
);
const outDir = path.join(WORK, "proofs");
const anchored = await anchorRecords(records, inputs, {
  chainId: conn.chainId,
  registryAddress: await records.getAddress(),
  patients,
  outDir,
  salts: { kind: "random" },
});
assert.equal(anchored.sent, 1);
const proof = await readProof(anchored.proofs[0]);
const valid = await verifyRecord(records, inputs[0].resource, proof);
assert.equal(valid.verdict, "VALID");
assert.equal(valid.memberId, memberIdFromCode(code));
const tampered = await verifyRecord(records, { ...inputs[0].resource, status: "cancelled" }, proof);
assert.equal(tampered.verdict, "TAMPERED");
check("records: anchor, verify VALID, tampered copy TAMPERED");

// The record gateway from the package's own command (`medchain-records-gateway`, plain Node): the
// hospital serves the anchored record; a grantee (the same member here) fetches it under the patient's
// consent with `fetchRecords`, verified VALID and audited on chain in its name.
const patientWallet = patientAccountFor("0x" + "5a".repeat(32), memberIdFromCode(code));
const head = await conn.provider.getBlock("latest");
const terms = consentTerms({
  patient,
  custodian: memberIdFromCode(code),
  grantee: memberIdFromCode(code),
  purpose: PURPOSES.TREAT,
  categories: 1n << BigInt(CATEGORIES.encounter),
  from: BigInt(head.timestamp),
  days: 30,
});
await grantConsent(records, patientWallet, terms, BigInt(head.timestamp) + 3600n);
const consent = consentFileOf(terms, undefined, conn.chainId, await records.getAddress());
const gatewayProcess = spawn(path.join("node_modules", ".bin", "medchain-records-gateway"), [], {
  env: {
    ...process.env,
    MEDCHAIN_RPC_URL: RPC_URL,
    MEDCHAIN_GATEWAY_KEY: PRIVATE_KEY,
    MEDCHAIN_RECORDS: await records.getAddress(),
    MEDCHAIN_GATEWAY_RECORDS: RECORD,
    MEDCHAIN_GATEWAY_PROOFS: outDir,
    MEDCHAIN_GATEWAY_PORT: "0",
    MEDCHAIN_GATEWAY_STATE: path.join(WORK, "gateway-state"),
    MEDCHAIN_GAS_PRICE: "0",
  },
  stdio: ["ignore", "pipe", "inherit"],
});
try {
  const gatewayUrl = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the gateway did not start within 60 s")), 60_000);
    gatewayProcess.once("exit", (c) => reject(new Error(`the gateway exited with ${c}`)));
    createInterface({ input: gatewayProcess.stdout }).on("line", (line) => {
      const m = / listening at (http:\/\/\S+):/.exec(line);
      if (m !== null) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
  });
  const report = await fetchRecords({
    gateway: gatewayUrl,
    consent,
    connection: conn,
    outDir: path.join(WORK, "fetched"),
  });
  assert.equal(report.ok, true);
  assert.deepEqual(
    report.records.map((r) => [r.verdict, r.audited]),
    [["VALID", true]],
  );
} finally {
  gatewayProcess.kill("SIGTERM");
}
check("records gateway: medchain-records-gateway serves, fetchRecords verifies VALID and audited");

// Provenance: the consortium assigns the GS1 company prefix to the member by vote, then it registers
// a GTIN, commissions a lot of three packs, and scans one (genuine) and one with a wrong code.
const provenance = await openContract(conn, "provenance");
const gtin = "09506000134352";
const prefixVote = await proposePrefixChange(
  await openRegistry(conn),
  await productsOf(provenance),
  "assign",
  "9506000",
  memberIdFromCode(code),
);
await vote(conn, { proposalId: prefixVote.proposalId });
await execute(conn, { proposalId: prefixVote.proposalId });
await registerProduct(provenance, gtin);
const plan = planLot({ gtin, lot: "PKG1", expiry: "301231", serials: ["S1", "S2", "S3"] });
const dataDir = path.join(WORK, "provenance");
await writeLotFiles(dataDir, plan, false);
await commissionLot(provenance, plan);
const catalog = await Catalog.load(dataDir);
const pack = plan.bundle.packs[1];
const scan = { gtin, lot: "PKG1", serial: pack.serial, code: pack.code };
assert.equal((await verifyPack(provenance, catalog, scan)).verdict, "GENUINE");
const fake = { ...scan, code: "0000-0000-0000-0000" };
assert.equal((await verifyPack(provenance, catalog, fake)).verdict, "UNKNOWN");
check("provenance: register, commission, scan GENUINE, wrong code UNKNOWN");

// Claims, as the README's workflow: the consortium admits an insurer (its own key proves it agrees),
// which publishes a plan, funds its escrow with the test token (minted through the token itself: this
// chain's id is no test chain's) and enrols the patient; the hospital anchors the visit's record with
// the patient's billing reference, submits the FHIR Claim citing it, and reads the decision.
const insurerConn = await connect({
  rpcUrl: RPC_URL,
  privateKey: INSURER_KEY,
  deployments: DEPLOYMENTS,
  fees: { gasPrice: 0n },
});
const insurerCode = "PKG-INS-0001";
const insurerCertified = await certify(conn, {
  accountProof: toAccountProof(await proveAccount(insurerConn, { memberId: memberIdFromCode(insurerCode) })),
  memberId: memberIdFromCode(insurerCode),
  metadata: metadataCommitment("registration documents of an invented insurer"),
  kinds: kindMask("Insurer"),
  account: await insurerConn.signer.getAddress(),
  certifiedUntil: 4102444800n,
});
await vote(conn, { proposalId: insurerCertified.proposalId });
await execute(conn, { proposalId: insurerCertified.proposalId });
const insurer = await openClaims(insurerConn);
const token = new Contract(
  await insurer.token.getAddress(),
  ["function mint(address to, uint256 amount)"],
  insurerConn.signer,
);
await (await token.mint(await insurerConn.signer.getAddress(), 100_000n * 10n ** BigInt(insurer.decimals))).wait();
const { planId } = await publishPlan(insurer, PLAN);
await fundEscrow(insurer, "50000.00");
const memberSecret = "invented-card-secret-of-the-package-test";
const claimPatient = "Patient/invented-patient-0001";
await enrolPatient(insurer, {
  planId,
  patientId: claimPatient,
  secret: memberSecret,
  start: "2026-01-01",
  end: "2026-12-31",
});
const billed = await anchorRecords(records, await loadRecords(RECORD), {
  chainId: conn.chainId,
  registryAddress: await records.getAddress(),
  patients: patientMapOf(
    {
      format: "medchain.patients.v1",
      patients: [
        {
          reference: "Patient/demo-patient-0001",
          account: patient,
          billingRef: patientReference(claimPatient, memberSecret),
        },
      ],
    },
    "patients.json",
  ),
  outDir: path.join(WORK, "billed-proofs"),
  salts: { kind: "random" },
});
const hospital = await openClaims(conn);
const documentation = await readDocumentationFile(billed.proofs[0]);
const { view } = await submitFhirClaim(hospital, { file: CLAIM, planId, secret: memberSecret, documentation });
assert.equal(view.status, "Approved");
assert.ok(view.planPays > 0n, "the plan pays part of the claim");
assert.equal((await readClaim(insurer.engine, view.claimId)).status, "Approved");
assert.ok(CLAIM_STATUS.includes("Approved"));
check(`claims: plan ${planId} published and funded, patient enrolled, claim ${view.claimId} submitted: Approved`);
assert.ok(Object.keys(genomics).length > 10, "medchain/genomics exports its SDK");
check("genomics: module loads");

// The batch sender from the package: three transfers, then a re-run that sends nothing.
const journal = path.join(WORK, "job.jsonl");
const steps = [1, 2, 3].map((i) => ({
  key: `t${i}`,
  call: { to: `0x000000000000000000000000000000000000de0${i}`, value: 1n },
  gasLimit: 30_000n,
}));
assert.equal((await runJob(conn, steps, { journal })).sent, 3);
assert.equal((await runJob(conn, steps, { journal })).skipped, 3);
check("batch sender: a job, and a re-run that sends nothing");

console.log("package consumer: all checks passed");
