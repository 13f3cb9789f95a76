import { readFile, writeFile } from "node:fs/promises";

import { isHexString, type ContractTransactionResponse } from "ethers";

import { ConsortiumRegistry__factory } from "../../typechain-types/index.js";
import { Journal } from "../chain/journal.js";
import { MedChainError } from "../chain/errors.js";
import { PROOF_FORMAT, readBillingCitation } from "../records/proof.js";
import { patientReference, serviceCode, toTokenUnits, toUnixSeconds } from "./codes.js";
import type { ClaimsConnection } from "./connect.js";
import {
  CLAIM_STATUS,
  NO_BATCH,
  claimDetails,
  readClaim,
  submittedClaimId,
  type ClaimView,
  type DocumentationArgs,
} from "./engine.js";
import { fhirClaimToChain, type ClaimMapping } from "./fhir-claim.js";
import { formatEob, toClaimResponse, toExplanationOfBenefit } from "./fhir-response.js";
import { readPlanFile } from "./plan.js";
import { remittanceCsv } from "./remittance.js";

/** A mined transaction's hash. */
async function mined(tx: Promise<ContractTransactionResponse>): Promise<string> {
  const receipt = await (await tx).wait();
  if (receipt === null) throw new MedChainError("transaction was not mined");
  return receipt.hash;
}

/** Parses a positive integer option (a plan or claim id). */
export function parseId(value: string, option: string): bigint {
  if (!/^\d+$/.test(value.trim()) || BigInt(value) === 0n)
    throw new MedChainError(`--${option}: "${value}" is not an id (1, 2, ...)`);
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
  const patientRef = patientReference(args.patientId, args.secret);
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
  if (!/^\d+$/.test(args.units) || BigInt(args.units) === 0n)
    throw new MedChainError(`--units: "${args.units}" is not a whole number of units`);
  const from = toUnixSeconds(args.from, "--valid-from");
  const until = toUnixSeconds(args.until, "--valid-until") + 86_399n;
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
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
  } catch (err) {
    throw new MedChainError(`${file}: cannot read the record proof (${(err as Error).message.split("\n")[0]})`);
  }
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
  let json: unknown;
  try {
    json = JSON.parse(await readFile(args.file, "utf8"));
  } catch (err) {
    throw new MedChainError(`${args.file}: cannot read the claim JSON (${(err as Error).message.split("\n")[0]})`);
  }
  const { commitment, batchRoot, proof, patientRef: boundTo } = args.documentation;
  const options = {
    file: args.file,
    planId: args.planId,
    decimals: c.decimals,
    patientSecret: args.secret,
    documentation: { commitment, batchRoot, proof },
  };
  const draft = fhirClaimToChain(json, options);
  if (boundTo !== undefined && boundTo.toLowerCase() !== draft.input.patientRef.toLowerCase()) {
    throw new MedChainError(
      `--record: its billing leaf documents patient reference ${boundTo}, not this claim's ${draft.input.patientRef} (another patient's record, or another card's secret)`,
    );
  }
  await requirePlan(c, args.planId);
  // The coverage period that covers the service date (0: none, and the claim is rejected with CARC 31).
  const coverageStart = await c.plans.coverageOn(args.planId, draft.input.patientRef, draft.input.serviceDate);
  const mapping = { ...draft, input: { ...draft.input, coverageStart } };
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

/** Prompt pay: the provider escalates a claim the insurer did not decide or settle in time. */
export async function escalateClaim(c: ClaimsConnection, claimId: bigint): Promise<string> {
  return mined(c.engine.escalate(claimId, await claimDetails(c.engine, claimId)));
}

/** The provider withdraws its whole credit; returns the amount and the transaction. */
export async function withdrawCredit(c: ClaimsConnection): Promise<{ amount: bigint; txHash: string }> {
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

/** Funds the caller insurer's escrow (approving the vault first if needed). */
export async function fundEscrow(c: ClaimsConnection, amount: string): Promise<string> {
  const units = toTokenUnits(amount, c.decimals, "--amount");
  if (units === 0n) throw new MedChainError("--amount: must be more than 0");
  const vault = await c.vault.getAddress();
  const allowance = (await c.token.getFunction("allowance")(c.signerAddress, vault)) as bigint;
  if (allowance < units)
    await mined(c.token.getFunction("approve")(vault, units) as Promise<ContractTransactionResponse>);
  return mined(c.vault.fund(units));
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
 * Settles approved claims in batches (sorted by provider so credits are summed). Resumable: the
 * chain decides what is left (a settled claim is Paid, no longer Approved), so a re-run after a
 * crash sends only the rest and never pays twice; each mined batch is journalled as the audit trail.
 * The journal never decides: one left over from another chain or deployment cannot hide a claim.
 */
export async function settleClaims(
  c: ClaimsConnection,
  args: { ids: bigint[]; batchSize: number; journal: string; onBatch?: (done: number) => void },
): Promise<{ settled: bigint[]; txHashes: string[] }> {
  const journal = await Journal.open(args.journal);
  const fresh: Array<{ id: bigint; provider: bigint }> = [];
  for (const id of args.ids) {
    const claim = await c.engine.claimOf(id);
    if (CLAIM_STATUS[Number(claim.status)] === "Approved") fresh.push({ id, provider: claim.provider });
  }
  fresh.sort((a, b) => (a.provider < b.provider ? -1 : a.provider > b.provider ? 1 : 0));
  const settled: bigint[] = [];
  const txHashes: string[] = [];
  for (let i = 0; i < fresh.length; i += args.batchSize) {
    const batch = fresh.slice(i, i + args.batchSize).map((x) => x.id);
    const txHash = await mined(c.engine.settle(batch));
    for (const id of batch) await journal.record({ key: `settle:${id}`, txHash });
    settled.push(...batch);
    txHashes.push(txHash);
    args.onBatch?.(settled.length);
  }
  return { settled, txHashes };
}

/** Writes a claim's EOB (FHIR JSON) and returns the plain-text version. */
export async function writeEob(
  c: ClaimsConnection,
  claimId: bigint,
  out: string,
  sourceFile?: string,
): Promise<string> {
  const view = await readClaim(c.engine, claimId);
  const insurerId = (await c.plans.planOf(view.planId)).insurer;
  const sourceClaim = sourceFile ? (JSON.parse(await readFile(sourceFile, "utf8")) as never) : undefined;
  const options = { decimals: c.decimals, insurerId, sourceClaim };
  await writeFile(
    out,
    JSON.stringify(
      {
        resourceType: "Bundle",
        type: "collection",
        entry: [toClaimResponse(view, options), toExplanationOfBenefit(view, options)].map((resource) => ({
          resource,
        })),
      },
      null,
      2,
    ) + "\n",
  );
  return formatEob(view, options);
}

/** The remittance CSV of one provider's claims. */
export async function providerRemittance(c: ClaimsConnection, providerId: string): Promise<string> {
  if (!isHexString(providerId, 32))
    throw new MedChainError(`--provider: "${providerId}" is not a member id (0x + 64 hex digits)`);
  const events = await c.engine.queryFilter(c.engine.filters.ClaimSubmitted(undefined, providerId));
  const views: ClaimView[] = [];
  for (const e of events) views.push(await readClaim(c.engine, e.args.claimId));
  return remittanceCsv(views, c.decimals);
}
