import { writeFile } from "node:fs/promises";
import path from "node:path";

import { Interface, isHexString, type ContractTransactionResponse, type Provider, type Signer } from "ethers";

import { ConsortiumRegistry__factory } from "../../typechain-types/index.js";
import type { Connection } from "../chain/connection.js";
import { badInput, decodeContractRevert, MedChainError, toMedChainError } from "../chain/errors.js";
import { readJsonFile } from "../chain/files.js";
import { Journal } from "../chain/journal.js";
import { memberRef } from "../chain/members.js";
import { runJob, type JobEvent, type JobReport, type JobStep } from "../chain/pipeline.js";
import { decodeEvents, type DecodedEvent } from "../chain/send.js";
import { PROOF_FORMAT, readBillingCitation } from "../records/proof.js";
import {
  checkPatientId,
  CODE_TEXT,
  fromTokenUnits,
  MAX_CODE,
  MAX_CODE_SYSTEM,
  patientReference,
  serviceCode,
  toTokenUnits,
  toUnixSeconds,
} from "./codes.js";
import {
  CLAIM_STATUS,
  NO_BATCH,
  claimDetails,
  detailsOf,
  readClaim,
  submittedClaimId,
  type ClaimView,
  type DocumentationArgs,
} from "./engine.js";
import { ERC20_ABI, type ClaimsConnection } from "./connect.js";
import { fhirClaimToChain, type ClaimMapping } from "./fhir-claim.js";
import { formatEob, toClaimResponse, toExplanationOfBenefit } from "./fhir-response.js";
import { readPlanFile } from "./plan.js";
import { remittanceCsv } from "./remittance.js";

const TOKEN_INTERFACE = new Interface(ERC20_ABI);

/** A mined transaction's hash. */
async function mined(tx: Promise<ContractTransactionResponse>): Promise<string> {
  const receipt = await (await tx).wait();
  if (receipt === null) throw new MedChainError("transaction was not mined");
  return receipt.hash;
}

/** The largest id of each kind the contracts hold: plans are numbered in a uint32, claims in a uint256. */
const MAX_ID: Readonly<Record<string, bigint>> = { plan: 2n ** 32n - 1n, revise: 2n ** 32n - 1n };

/** Parses a positive integer option (a plan or claim id), within what the contract's id type holds. */
export function parseId(value: string, option: string): bigint {
  if (!/^\d{1,78}$/.test(value) || BigInt(value) === 0n)
    throw badInput(`"${value}" is not an id (1, 2, ...)`, { field: `--${option}` });
  const max = MAX_ID[option] ?? 2n ** 256n - 1n;
  if (BigInt(value) > max) throw badInput(`${value} is more than ${max}, the largest id`, { field: `--${option}` });
  return BigInt(value);
}

/** Checks that a plan exists before anything is sent. */
export async function requirePlan(c: ClaimsConnection, planId: bigint): Promise<void> {
  const plan = await c.plans.planOf(planId);
  if (plan.versions === 0n) throw new MedChainError(`--plan: plan ${planId} does not exist`);
}

/** Publishes a plan from a JSON file (validated first), or a revision of `revise`. */
export async function publishPlan(
  c: ClaimsConnection,
  file: string,
  revise?: bigint,
): Promise<{ planId: bigint; txHash: string }> {
  const { terms, rules } = await readPlanFile(file, c.decimals);
  if (revise !== undefined) {
    await requirePlan(c, revise);
    return { planId: revise, txHash: await mined(c.plans.revisePlan(revise, terms, rules)) };
  }
  const receipt = await (await c.plans.publishPlan(terms, rules)).wait();
  const log = receipt!.logs.map((l) => c.plans.interface.parseLog(l)).find((p) => p?.name === "PlanPublished");
  return { planId: log!.args.planId as bigint, txHash: receipt!.hash };
}

/** Enrols a patient (reference derived from id + member secret) for a period of FHIR dates. */
export async function enrolPatient(
  c: ClaimsConnection,
  args: { planId: bigint; patientId: string; secret: string; start: string; end: string },
): Promise<{ patientRef: string; txHash: string }> {
  const patientRef = patientReference(checkPatientId(args.patientId, "--patient"), args.secret);
  if (args.start === "") throw badInput("the first covered day is required (YYYY-MM-DD)", { field: "--start" });
  if (args.end === "") throw badInput("the last covered day is required (YYYY-MM-DD)", { field: "--end" });
  const start = toUnixSeconds(args.start, "--start");
  const end = toUnixSeconds(args.end, "--end") + 86_399n;
  if (end < start) throw new MedChainError(`--end: ${args.end} is before --start ${args.start}`);
  await requirePlan(c, args.planId);
  return { patientRef, txHash: await mined(c.plans.enrol(args.planId, patientRef, start, end)) };
}

/** Grants a prior authorisation for a code (system|code) and a number of units. */
export async function authorise(
  c: ClaimsConnection,
  args: {
    planId: bigint;
    patientId: string;
    secret: string;
    system: string;
    code: string;
    units: string;
    from: string;
    until: string;
  },
): Promise<string> {
  checkPatientId(args.patientId, "--patient");
  if (args.code === "") throw badInput("the service code is required (e.g. 70553)", { field: "--code" });
  // the rule plans and claims follow (one owner: CODE_TEXT), or the grant could never match a claim
  for (const [option, value, max] of [
    ["--code", args.code, MAX_CODE],
    ["--system", args.system, MAX_CODE_SYSTEM],
  ] as const) {
    if (value !== "" && (value.length > max || !CODE_TEXT.test(value)))
      throw badInput(`"${value}" has spaces at an end, a control character or "|", or is over ${max} characters`, {
        field: option,
      });
  }
  if (!/^\d{1,10}$/.test(args.units) || BigInt(args.units) === 0n || BigInt(args.units) > 4_294_967_295n)
    throw badInput(`"${args.units}" is not a whole number of units (1 to 4294967295)`, { field: "--units" });
  if (args.from === "") throw badInput("the first day is required (YYYY-MM-DD)", { field: "--valid-from" });
  if (args.until === "") throw badInput("the last day is required (YYYY-MM-DD)", { field: "--valid-until" });
  const from = toUnixSeconds(args.from, "--valid-from");
  const until = toUnixSeconds(args.until, "--valid-until") + 86_399n;
  if (until < from) throw badInput(`${args.until} is before --valid-from ${args.from}`, { field: "--valid-until" });
  await requirePlan(c, args.planId);
  return mined(
    c.plans.authorise(
      args.planId,
      patientReference(args.patientId, args.secret),
      serviceCode(args.system || undefined, args.code),
      BigInt(args.units),
      from,
      until,
    ),
  );
}

const hex32 = (v: unknown): v is string => typeof v === "string" && isHexString(v, 32);

/**
 * Reads the documentation a claim cites: from a records proof file, its billing documentation leaf
 * (the records SDK's `readBillingCitation`, which owns that format), or from a file holding just
 * `{ commitment, batchRoot, proof }`. Names the bad field in one line.
 */
export async function readDocumentationFile(file: string): Promise<DocumentationArgs & { patientRef?: string }> {
  const value = await readJsonFile(file);
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw badInput("not a record proof file (a JSON object)", { file });
  const json = value as Record<string, unknown>;
  if (json.format === PROOF_FORMAT) {
    const citation = await readBillingCitation(file);
    return {
      commitment: citation.docCommitment,
      batchRoot: citation.batchRoot,
      proof: citation.proof,
      patientRef: citation.patientRef,
    };
  }
  if (!hex32(json.commitment)) throw new MedChainError(`${file}: commitment: not a 32-byte hex string`);
  const batchRoot = json.batchRoot ?? NO_BATCH;
  if (!hex32(batchRoot)) throw new MedChainError(`${file}: batchRoot: not a 32-byte hex string`);
  const proof = json.proof ?? [];
  if (!Array.isArray(proof) || !proof.every(hex32))
    throw new MedChainError(`${file}: proof: not a list of 32-byte hex strings`);
  if (BigInt(batchRoot) === 0n && proof.length !== 0)
    throw new MedChainError(`${file}: proof: a leaf anchored alone (batchRoot zero) has no proof`);
  return { commitment: json.commitment, batchRoot, proof: proof as string[] };
}

/**
 * The documentation a claim cited when it was submitted, read back from its submitting transaction
 * (claims events never name it). Throws if that transaction was not a direct `submit` or `replace`
 * call (for example through a contract wallet): then pass the record's proof file instead.
 */
export async function submittedDocumentation(c: ClaimsConnection, claimId: bigint): Promise<DocumentationArgs> {
  const [event] = await c.engine.queryFilter(c.engine.filters.ClaimSubmitted(claimId));
  const tx = event === undefined ? null : await event.getTransaction();
  const parsed = tx === null ? null : c.engine.interface.parseTransaction({ data: tx.data });
  const input = parsed?.name === "submit" ? parsed.args[0] : parsed?.name === "replace" ? parsed.args[2] : undefined;
  if (input === undefined)
    throw new MedChainError(`claim ${claimId}: its documentation is not readable from its transaction; pass --record`);
  const d = input.documentation as { commitment: string; batchRoot: string; proof: string[] };
  return { commitment: d.commitment, batchRoot: d.batchRoot, proof: [...d.proof] };
}

/**
 * Reads and maps one FHIR Claim file for submission (nothing is sent): the claim as the contract takes
 * it, with the coverage period covering its service date (0: none, and the claim is rejected with
 * CARC 31). `documentation.patientRef`, when known, must be the claim's patient.
 */
export async function prepareClaim(
  c: ClaimsConnection,
  args: {
    file: string;
    planId: bigint;
    secret: string;
    documentation: DocumentationArgs & { patientRef?: string };
  },
): Promise<ClaimMapping> {
  const json = await readJsonFile(args.file);
  const { commitment, batchRoot, proof, patientRef: boundTo } = args.documentation;
  const draft = fhirClaimToChain(json, {
    file: args.file,
    planId: args.planId,
    decimals: c.decimals,
    patientSecret: args.secret,
    documentation: { commitment, batchRoot, proof },
  });
  if (boundTo !== undefined && boundTo.toLowerCase() !== draft.input.patientRef.toLowerCase()) {
    throw new MedChainError(
      `--record: its billing leaf documents patient reference ${boundTo}, not this claim's ${draft.input.patientRef} (another patient's record, or another card's secret)`,
    );
  }
  const coverageStart = await c.plans.coverageOn(args.planId, draft.input.patientRef, draft.input.serviceDate);
  return { ...draft, input: { ...draft.input, coverageStart } };
}

/** Maps a FHIR Claim file and submits it; returns the claim's view and the mapping report. */
export async function submitFhirClaim(
  c: ClaimsConnection,
  args: {
    file: string;
    planId: bigint;
    secret: string;
    /** What the claim cites (`readDocumentationFile`); `patientRef`, when known, must be the claim's. */
    documentation: DocumentationArgs & { patientRef?: string };
    replaces?: bigint;
  },
): Promise<{ view: ClaimView; mapping: ClaimMapping; txHash: string }> {
  await requirePlan(c, args.planId);
  const mapping = await prepareClaim(c, args);
  const tx =
    args.replaces === undefined
      ? c.engine.submit(mapping.input)
      : c.engine.replace(args.replaces, await claimDetails(c.engine, args.replaces), mapping.input);
  const receipt = (await (await tx).wait())!;
  const claimId = submittedClaimId(c.engine, receipt);
  return { view: await readClaim(c.engine, claimId), mapping, txHash: receipt.hash };
}

/** The provider voids a claim (in review, approved or rejected). */
export async function voidClaim(c: ClaimsConnection, claimId: bigint): Promise<string> {
  return mined(c.engine.voidClaim(claimId, await claimDetails(c.engine, claimId)));
}

/**
 * Prompt pay: the provider escalates a claim the insurer did not decide or settle in time, or an
 * appeal the insurer did not decide in time (it resolves as overturned: the checks run again with the
 * documentation the claim was submitted with, or `documentation`).
 */
export async function escalateClaim(
  c: ClaimsConnection,
  claimId: bigint,
  documentation?: DocumentationArgs,
): Promise<string> {
  const view = await readClaim(c.engine, claimId);
  const details = detailsOf(view);
  if (view.status !== "Appealed") return mined(c.engine.escalate(claimId, details));
  const cited = documentation ?? (await submittedDocumentation(c, claimId));
  return mined(c.engine.escalateAppeal(claimId, details, cited));
}

/**
 * The provider withdraws its whole credit, first collecting what insurers owe it (escalated payments
 * their escrow did not cover, found from `PaymentOwed` events) as far as their escrow now covers it;
 * returns the amount withdrawn and the transaction.
 */
export async function withdrawCredit(c: ClaimsConnection): Promise<{ amount: bigint; txHash: string }> {
  const registry = ConsortiumRegistry__factory.connect(await c.engine.consortium(), c.engine.runner);
  const me = await registry.memberOf(c.signerAddress);
  const owedEvents = await c.vault.queryFilter(c.vault.filters.PaymentOwed(undefined, me));
  for (const insurer of new Set(owedEvents.map((e) => e.args.insurer))) {
    if ((await c.vault.owedOf(insurer, me)) === 0n) continue;
    if ((await c.vault.collectOwed.staticCall(insurer)) > 0n) await mined(c.vault.collectOwed(insurer));
  }
  const amount = await c.vault.withdraw.staticCall();
  return { amount, txHash: await mined(c.vault.withdraw()) };
}

/** The insurer's review decision on a pending claim (approve, or deny with a CARC). */
export async function reviewClaim(
  c: ClaimsConnection,
  claimId: bigint,
  decision: "approve" | "deny",
  carc: number,
): Promise<string> {
  if (decision === "approve") return mined(c.engine.approve(claimId, await claimDetails(c.engine, claimId)));
  if (!Number.isInteger(carc) || carc <= 0) throw new MedChainError(`--reason: a denial needs a CARC code (e.g. 50)`);
  return mined(c.engine.deny(claimId, carc));
}

/**
 * The provider appeals, or (with a decision) the insurer decides an appeal once. An overturn re-runs
 * the submission checks, documentation included: the appeal's documentation (a record proof file),
 * or else the one the claim was submitted with.
 */
export async function appealClaim(
  c: ClaimsConnection,
  claimId: bigint,
  decision: "" | "overturn" | "uphold",
  carc: number,
  documentation?: DocumentationArgs,
): Promise<string> {
  if (decision === "") return mined(c.engine.appeal(claimId));
  if (decision === "uphold" && (!Number.isInteger(carc) || carc <= 0))
    throw new MedChainError(`--reason: upholding a denial needs a CARC code`);
  const none: DocumentationArgs = { commitment: NO_BATCH, batchRoot: NO_BATCH, proof: [] };
  const cited =
    decision === "overturn" ? (documentation ?? (await submittedDocumentation(c, claimId))) : (documentation ?? none);
  return mined(
    c.engine.decideAppeal(
      claimId,
      decision === "overturn",
      decision === "uphold" ? carc : 0,
      await claimDetails(c.engine, claimId),
      cited,
    ),
  );
}

/** Chains where the test token may be minted: Hardhat's and anvil's (31337) and the usual dev chain (1337). */
export const TEST_CHAIN_IDS: readonly bigint[] = [31337n, 1337n];

/** The test token's symbol (`contracts/mocks/TestStablecoin.sol`): a worthless token, never a real chain's. */
export const TEST_TOKEN_SYMBOL = "TESTUSD";

/**
 * Mints the test settlement token (TESTUSD, worthless) to `to` (default: the signer), on a test chain
 * only: refused on any other chain, and refused when the claims module settles in any other token.
 */
export async function mintTestToken(
  c: ClaimsConnection,
  amount: string,
  to: string = c.signerAddress,
): Promise<{ amount: bigint; to: string; token: string; txHash: string }> {
  const units = toTokenUnits(amount, c.decimals, "--amount");
  if (units === 0n) throw badInput("must be more than 0", { field: "--amount" });
  if (!TEST_CHAIN_IDS.includes(c.chainId)) {
    throw badInput(
      `chain ${c.chainId} is not a test chain (${TEST_CHAIN_IDS.join(", ")}): the test token is never minted there`,
      { field: "--network" },
    );
  }
  const token = await c.token.getAddress();
  const symbol = (await c.token.getFunction("symbol")()) as string;
  if (symbol !== TEST_TOKEN_SYMBOL) {
    throw badInput(`the claims module settles in ${symbol} (${token}), not the test token ${TEST_TOKEN_SYMBOL}`, {
      field: "--network",
    });
  }
  const txHash = await mined(c.token.getFunction("mint")(to, units) as Promise<ContractTransactionResponse>);
  return { amount: units, to, token, txHash };
}

function isAllowanceShortfall(err: unknown): boolean {
  const revert = decodeContractRevert(err, [TOKEN_INTERFACE]);
  if (revert !== undefined) return revert.name === "ERC20InsufficientAllowance";
  return /allowance/i.test(toMedChainError(err).message);
}

/**
 * Funds the caller insurer's escrow. Everything the vault checks is asked first (a simulated `fund`:
 * the caller an active insurer, the module not paused, the balance), so a refused `fund` leaves no
 * approval behind; should `fund` still fail after the approval (the state changed in between), the
 * allowance is set back to what it was.
 */
export async function fundEscrow(c: ClaimsConnection, amount: string): Promise<string> {
  const units = toTokenUnits(amount, c.decimals, "--amount");
  if (units === 0n) throw new MedChainError("--amount: must be more than 0");
  const vault = await c.vault.getAddress();
  const [allowance, balance] = (await Promise.all([
    c.token.getFunction("allowance")(c.signerAddress, vault),
    c.token.getFunction("balanceOf")(c.signerAddress),
  ])) as [bigint, bigint];
  if (balance < units) {
    const symbol = (await c.token.getFunction("symbol")()) as string;
    throw badInput(
      `${fromTokenUnits(balance, c.decimals)} ${symbol} in ${c.signerAddress}, less than ${fromTokenUnits(units, c.decimals)}`,
      { field: "--amount" },
    );
  }
  try {
    await c.vault.fund.staticCall(units);
  } catch (err) {
    // With too small an allowance the simulation passes every check of the vault and then fails in
    // the token's transferFrom: that one is what the approval below fixes. Any other refusal stops here.
    if (allowance >= units || !isAllowanceShortfall(err)) throw toMedChainError(err, [c.vault, c.token]);
  }
  if (allowance >= units) return mined(c.vault.fund(units));
  await mined(c.token.getFunction("approve")(vault, units) as Promise<ContractTransactionResponse>);
  try {
    return await mined(c.vault.fund(units));
  } catch (err) {
    await mined(c.token.getFunction("approve")(vault, allowance) as Promise<ContractTransactionResponse>).catch(
      () => undefined,
    );
    throw err;
  }
}

/** Approved (reserved, unsettled) claims on the signing insurer's plans, found from the events. */
export async function approvedClaims(c: ClaimsConnection): Promise<bigint[]> {
  const registry = ConsortiumRegistry__factory.connect(await c.engine.consortium(), c.engine.runner);
  const me = await registry.memberOf(c.signerAddress);
  const insurerOf = new Map<bigint, string>();
  const events = await c.engine.queryFilter(c.engine.filters.ClaimAdjudicated());
  const out: bigint[] = [];
  for (const id of new Set(events.map((e) => e.args.claimId))) {
    const claim = await c.engine.claimOf(id);
    if (CLAIM_STATUS[Number(claim.status)] !== "Approved") continue;
    if (!insurerOf.has(claim.planId)) insurerOf.set(claim.planId, (await c.plans.planOf(claim.planId)).insurer);
    if (insurerOf.get(claim.planId) === me) out.push(id);
  }
  return out;
}

/**
 * The shared connection of a claims connection (the batch sender needs one); built from the engine's
 * signer when the claims connection was assembled by hand from contracts.
 */
export function connectionOf(c: ClaimsConnection): Connection {
  if (c.conn !== undefined) return c.conn;
  const signer = c.engine.runner as Signer;
  return {
    provider: signer.provider as Provider,
    signer,
    chainId: c.chainId,
    addresses: {},
    endpoint: "the given provider",
  };
}

/** What a batch job of the claims SDK reports as it goes (for the task to print). */
export interface ClaimsJobOptions {
  /** The journal file (crash-safe: a re-run resumes without sending anything twice). */
  journal: string;
  /** Transactions in flight at once (default 64). */
  window?: number;
  onEvent?: (event: JobEvent) => void;
  /** Called after each step is done (sent now, or found done), with how many are done. */
  onProgress?: (done: number, total: number) => void;
}

const SETTLE_KEY = "settle:";

/**
 * Settles approved claims in batches (sorted by provider so credits are summed), as one pipelined,
 * crash-safe job (`runJob`): every batch's transaction is journalled before it is sent. Resumable:
 * batches the journal holds from an earlier run are taken up again first (landed, sent again with
 * their signed bytes, or re-signed), and the chain decides what is left (a settled claim is Paid, no
 * longer Approved), so a re-run after a crash sends only the rest and never pays twice. A batch
 * whose claims are all settled already is skipped.
 */
export async function settleClaims(
  c: ClaimsConnection,
  args: { ids: bigint[]; batchSize: number } & ClaimsJobOptions,
): Promise<{ settled: bigint[]; txHashes: string[]; report: JobReport }> {
  const journal = await Journal.open(args.journal);
  const earlier = journal
    .entries()
    .filter((e) => e.key.startsWith(SETTLE_KEY) && e.state === "signed")
    .map((e) => e.key);
  await journal.close();
  const status = async (id: bigint) => CLAIM_STATUS[Number((await c.engine.claimOf(id)).status)];
  const taken = new Set(earlier.flatMap((k) => k.slice(SETTLE_KEY.length).split(",")));
  const fresh: Array<{ id: bigint; provider: bigint }> = [];
  for (const id of args.ids) {
    if (taken.has(id.toString())) continue;
    const claim = await c.engine.claimOf(id);
    if (CLAIM_STATUS[Number(claim.status)] === "Approved") fresh.push({ id, provider: claim.provider });
  }
  fresh.sort((a, b) => (a.provider < b.provider ? -1 : a.provider > b.provider ? 1 : 0));
  const batches: bigint[][] = earlier.map((k) => k.slice(SETTLE_KEY.length).split(",").map(BigInt));
  for (let i = 0; i < fresh.length; i += args.batchSize)
    batches.push(fresh.slice(i, i + args.batchSize).map((x) => x.id));
  const engine = await c.engine.getAddress();
  const steps: JobStep[] = batches.map((batch) => ({
    key: SETTLE_KEY + batch.join(","),
    call: { to: engine, data: c.engine.interface.encodeFunctionData("settle", [batch]) },
    isDone: async () => (await Promise.all(batch.map(status))).every((s) => s !== "Approved"),
  }));
  let done = 0;
  const report = await runJob(connectionOf(c), steps, {
    journal: args.journal,
    ...(args.window === undefined ? {} : { window: args.window }),
    ...(args.onEvent === undefined ? {} : { onEvent: args.onEvent }),
    onDone: () => args.onProgress?.(++done, steps.length),
  });
  const settled: bigint[] = [];
  const txHashes: string[] = [];
  report.outcomes.forEach((o, i) => {
    if (o.status === "sent" || o.status === "journal") {
      settled.push(...batches[i]!);
      txHashes.push(o.hash!);
    }
  });
  return { settled, txHashes, report };
}

/** One claim of a batch file: its FHIR Claim and the proof file of the record documenting it. */
export interface BatchEntry {
  fhir: string;
  record: string;
}

/** The batch file `claims submit --batch` reads. */
export const CLAIMS_BATCH_FORMAT = "medchain.claims-batch.v1";

/**
 * Reads a batch file: `{ "format": "medchain.claims-batch.v1", "claims": [{ "fhir": "a.json",
 * "record": "a.proof.json" }, …] }`, paths relative to the batch file. Names the entry and field of
 * every problem.
 */
export async function readClaimsBatch(file: string): Promise<BatchEntry[]> {
  const json = (await readJsonFile(file)) as Record<string, unknown>;
  if (json === null || typeof json !== "object" || Array.isArray(json)) throw badInput("not a JSON object", { file });
  if (json.format !== CLAIMS_BATCH_FORMAT)
    throw badInput(`not "${CLAIMS_BATCH_FORMAT}" (got ${JSON.stringify(json.format)})`, { file, field: "format" });
  if (!Array.isArray(json.claims) || json.claims.length === 0)
    throw badInput("a non-empty list of { fhir, record } is required", { file, field: "claims" });
  const dir = path.dirname(file);
  const seen = new Map<string, number>();
  return json.claims.map((entry: unknown, i: number) => {
    const where = `claims[${i}]`;
    if (entry === null || typeof entry !== "object" || Array.isArray(entry))
      throw badInput("not an object { fhir, record }", { file, field: where });
    const e = entry as Record<string, unknown>;
    for (const k of Object.keys(e))
      if (k !== "fhir" && k !== "record") throw badInput(`unknown field "${k}"`, { file, field: where });
    for (const k of ["fhir", "record"] as const)
      if (typeof e[k] !== "string" || e[k] === "")
        throw badInput("a file name is required", { file, field: `${where}.${k}` });
    const fhir = path.resolve(dir, e.fhir as string);
    const twice = seen.get(fhir);
    if (twice !== undefined)
      throw badInput(`${e.fhir as string} is listed twice (also claims[${twice}])`, { file, field: `${where}.fhir` });
    seen.set(fhir, i);
    return { fhir, record: path.resolve(dir, e.record as string) };
  });
}

/** One claim of a submitted batch: what the chain decided. */
export interface BatchClaimResult {
  fhir: string;
  claimId: bigint;
  status: string;
  /** CARC of a rejection (0: none). */
  reason: number;
  planPays: bigint;
  hash: string;
}

/** A submitted batch's claims as the chain decided them, from each transaction's events. */
function batchClaimResult(fhir: string, hash: string, events: DecodedEvent[]): BatchClaimResult {
  const submitted = events.find((e) => e.name === "ClaimSubmitted");
  if (submitted === undefined) throw new MedChainError(`transaction ${hash} submitted no claim`, { kind: "INTERNAL" });
  const rejected = events.find((e) => e.name === "ClaimRejected");
  const adjudicated = events.find((e) => e.name === "ClaimAdjudicated");
  return {
    fhir,
    claimId: submitted.args.claimId as bigint,
    status: rejected !== undefined ? "Rejected" : (CLAIM_STATUS[Number(adjudicated?.args.status ?? 0n)] ?? "None"),
    reason: rejected === undefined ? 0 : Number(rejected.args.reason),
    planPays: adjudicated === undefined ? 0n : (adjudicated.args.planPays as bigint),
    hash,
  };
}

/**
 * Submits many FHIR Claims as one pipelined, crash-safe job (`runJob`). Everything is read, mapped and
 * checked before the first transaction (every FHIR file, every proof file, that each record documents
 * its claim's patient, the plan); the claims are then sent in the batch file's order (adjudication
 * follows it: a patient's deductible is met by the earlier claims), journalled before sending, so a
 * job killed at any point re-runs without losing or repeating a claim.
 */
export async function submitClaimBatch(
  c: ClaimsConnection,
  args: { entries: BatchEntry[]; planId: bigint; secret: string } & ClaimsJobOptions,
): Promise<{
  claims: BatchClaimResult[];
  unmapped: Array<{ fhir: string; field: string; reason: string }>;
  report: JobReport;
}> {
  await requirePlan(c, args.planId);
  const drafts = await Promise.all(
    args.entries.map(async (entry) => {
      const documentation = await readDocumentationFile(entry.record);
      return prepareClaim(c, { file: entry.fhir, planId: args.planId, secret: args.secret, documentation });
    }),
  );
  const engine = await c.engine.getAddress();
  const steps: JobStep[] = drafts.map((d, i) => ({
    // Keyed by the claim's file (a batch lists each once): entries added to the batch file later, or
    // reordered, keep their journal entries.
    key: `submit:${path.resolve(args.entries[i]!.fhir)}`,
    call: { to: engine, data: c.engine.interface.encodeFunctionData("submit", [d.input]) },
    gasKind: "submit",
  }));
  let done = 0;
  const report = await runJob(connectionOf(c), steps, {
    journal: args.journal,
    ...(args.window === undefined ? {} : { window: args.window }),
    ...(args.onEvent === undefined ? {} : { onEvent: args.onEvent }),
    onDone: () => args.onProgress?.(++done, steps.length),
  });
  const claims = report.outcomes.map((o, i) =>
    batchClaimResult(args.entries[i]!.fhir, o.hash!, o.events ?? decodeEvents(o.receipt?.logs ?? [])),
  );
  const unmapped = drafts.flatMap((d, i) => d.unmapped.map((u) => ({ fhir: args.entries[i]!.fhir, ...u })));
  return { claims, unmapped, report };
}

/** Writes a claim's EOB (FHIR JSON) to `out` when given, and returns the plain-text version. */
export async function writeEob(
  c: ClaimsConnection,
  claimId: bigint,
  out: string | undefined,
  sourceFile?: string,
): Promise<string> {
  const view = await readClaim(c.engine, claimId);
  const insurerId = (await c.plans.planOf(view.planId)).insurer;
  const source = sourceFile ? await readJsonFile(sourceFile) : undefined;
  if (source !== undefined && (source as { resourceType?: unknown } | null)?.resourceType !== "Claim")
    throw badInput('not a FHIR Claim (resourceType must be "Claim")', { file: sourceFile, field: "resourceType" });
  const sourceClaim = source as never;
  const options = { decimals: c.decimals, insurerId, sourceClaim };
  if (out !== undefined) {
    try {
      await writeFile(out, JSON.stringify(eobBundle(view, options), null, 2) + "\n");
    } catch (err) {
      throw badInput(`cannot write it: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, {
        field: "--out",
        file: out,
      });
    }
  }
  return formatEob(view, options);
}

/** A claim's ClaimResponse and ExplanationOfBenefit in one FHIR collection Bundle. */
export function eobBundle(view: ClaimView, options: Parameters<typeof toClaimResponse>[1]): Record<string, unknown> {
  return {
    resourceType: "Bundle",
    type: "collection",
    entry: [toClaimResponse(view, options), toExplanationOfBenefit(view, options)].map((resource) => ({ resource })),
  };
}

/** The remittance CSV of one provider (a member id or registration code). */
export async function providerRemittance(c: ClaimsConnection, provider: string): Promise<string> {
  const providerId = memberRef(provider, "--provider").id;
  const events = await c.engine.queryFilter(c.engine.filters.ClaimSubmitted(undefined, providerId));
  const views: ClaimView[] = [];
  for (const e of events) views.push(await readClaim(c.engine, e.args.claimId));
  return remittanceCsv(views, c.decimals);
}
