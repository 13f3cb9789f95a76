import { emptyTask, task } from "hardhat/config";

import { indexerOption } from "./options.js";

const common = [
  {
    name: "engine" as const,
    description: "ClaimsEngine address (default: Ignition's on this network)",
    defaultValue: "",
  },
  {
    name: "plans" as const,
    description: "ClaimsPlans address (default: Ignition's on this network)",
    defaultValue: "",
  },
  { name: "from" as const, description: "Account to sign with (default: the network's first)", defaultValue: "" },
  {
    name: "as" as const,
    description: "Sign as this named account (medchain.accounts.json, e.g. insurer)",
    defaultValue: "",
  },
];
const opt = (name: string, description: string, defaultValue = "") => ({ name, description, defaultValue });

function claimsTask(
  name: string,
  description: string,
  options: Array<ReturnType<typeof opt>>,
  action: () => Promise<{ default: unknown }>,
  positional?: { name: string; description: string },
) {
  let t = task(["claims", name], description);
  for (const o of [...common, ...options]) t = t.addOption(o);
  t = t.addFlag({ name: "json", description: "Print one JSON document (the result, or the error) and nothing else" });
  if (positional !== undefined) t = t.addPositionalArgument(positional);
  return t.setAction(action as never).build();
}

const plan = opt("plan", "Plan id");
const patient = opt(
  "patient",
  "The patient's identifier as your FHIR Claims name it: patient.identifier.value, else patient.reference such as Patient/123 (never sent; only its keyed hash)",
);
const claimId = opt("claim", "Claim id");

/** `npx hardhat claims <command>`: the billing office's and the insurer's command line. */
export const claimsTasks = [
  emptyTask("claims", "Billing, adjudication and settlement of insurance claims").build(),
  claimsTask(
    "publish-plan",
    "Insurer: publish a plan (or --revise <id>) from a JSON file",
    [opt("file", "Plan JSON file"), opt("revise", "Plan id to revise")],
    () => import("./claims/publish-plan.js"),
  ),
  claimsTask(
    "enrol",
    "Insurer: enrol a patient in a plan for a coverage period",
    [plan, patient, opt("start", "First covered day (YYYY-MM-DD)"), opt("end", "Last covered day (YYYY-MM-DD)")],
    () => import("./claims/enrol.js"),
  ),
  claimsTask(
    "authorise",
    "Insurer: grant a prior authorisation",
    [
      plan,
      patient,
      opt("system", "Code system URI"),
      opt("code", "Service code"),
      opt("units", "Units authorised"),
      opt("validFrom", "First day (YYYY-MM-DD)"),
      opt("validUntil", "Last day (YYYY-MM-DD)"),
    ],
    () => import("./claims/authorise.js"),
  ),
  claimsTask(
    "submit",
    "Provider: submit a FHIR R4 Claim (or a batch of them); each is checked and adjudicated at once",
    [
      opt("fhir", "FHIR Claim JSON file"),
      plan,
      opt("record", "The documenting record's proof file (its billing documentation leaf)"),
      opt("replaces", "Claim id this one corrects"),
      opt("batch", "Or: a batch file (medchain.claims-batch.v1) of { fhir, record } pairs, sent as one job"),
      opt("journal", "Batch: the job's journal (default: <batch file>.journal)"),
    ],
    () => import("./claims/submit.js"),
  ),
  claimsTask(
    "review",
    "Insurer: approve or deny a claim pending review",
    [claimId, opt("decision", "approve | deny"), opt("reason", "CARC code for a denial")],
    () => import("./claims/review.js"),
  ),
  claimsTask(
    "appeal",
    "Provider: appeal a denial; insurer: --decision overturn | uphold",
    [
      claimId,
      opt("decision", "overturn | uphold (insurer)"),
      opt("reason", "CARC code when upholding"),
      opt("record", "Overturn: the documenting record's proof file (default: the one the claim cited)"),
    ],
    () => import("./claims/appeal.js"),
  ),
  claimsTask(
    "escalate",
    "Provider: escalate a claim the insurer did not decide or settle in time (prompt pay)",
    [claimId],
    () => import("./claims/escalate.js"),
  ),
  claimsTask(
    "void",
    "Provider: void a claim in review, approved (while nothing was decided after it) or rejected",
    [claimId],
    () => import("./claims/void.js"),
  ),
  claimsTask(
    "fund",
    "Insurer: add tokens to your escrow",
    [opt("amount", "Amount in currency units, e.g. 50000.00")],
    () => import("./claims/fund.js"),
  ),
  claimsTask(
    "settle",
    "Insurer: settle approved claims in batches (resumable)",
    [
      opt("claims", "Comma-separated claim ids (default: every approved claim)"),
      opt("batch", "Claims per transaction", "50"),
      opt("journal", "Journal file", "claims-settle.journal"),
    ],
    () => import("./claims/settle.js"),
  ),
  claimsTask(
    "mint-test-token",
    "Test chains only: mint the worthless test settlement token (TESTUSD) the claims module settles in",
    [opt("amount", "Amount in currency units, e.g. 100000"), opt("to", "Recipient (default: the signer)")],
    () => import("./claims/mint-test-token.js"),
  ),
  claimsTask("withdraw", "Provider: withdraw your credited payments", [], () => import("./claims/withdraw.js")),
  claimsTask(
    "eob",
    "Print a claim's Explanation of Benefit; --out writes ClaimResponse + EOB FHIR JSON",
    [
      opt("out", "Write ClaimResponse + EOB FHIR JSON to this file (default: print only)"),
      opt("fhir", "The original FHIR Claim, to echo its service codes"),
    ],
    () => import("./claims/eob.js"),
    { name: "id", description: "Claim id" },
  ),
  claimsTask(
    "remittance",
    "Remittance advice for a provider (CSV in the spirit of X12 835)",
    [
      opt("provider", "Provider: member id or registration code"),
      opt("out", "CSV file (default: print)"),
      indexerOption,
    ],
    () => import("./claims/remittance.js"),
  ),
];
