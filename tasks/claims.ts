import { emptyTask, task } from "hardhat/config";

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
  if (positional !== undefined) t = t.addPositionalArgument(positional);
  return t.setAction(action as never).build();
}

const plan = opt("plan", "Plan id");
const patient = opt(
  "patient",
  "The patient's identifier as your FHIR Claims name it: patient.identifier.value, else patient.reference such as Patient/123 (never sent; only its keyed hash)",
);
const secret = opt("secret", "The coverage's member secret (from the insurance card; >= 16 bytes)");
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
    [
      plan,
      patient,
      secret,
      opt("start", "First covered day (YYYY-MM-DD)"),
      opt("end", "Last covered day (YYYY-MM-DD)"),
    ],
    () => import("./claims/enrol.js"),
  ),
  claimsTask(
    "authorise",
    "Insurer: grant a prior authorisation",
    [
      plan,
      patient,
      secret,
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
    "Provider: submit a FHIR R4 Claim; it is checked and adjudicated at once",
    [
      opt("fhir", "FHIR Claim JSON file"),
      plan,
      secret,
      opt("record", "The documenting record's proof file (its billing documentation leaf)"),
      opt("replaces", "Claim id this one corrects"),
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
  claimsTask("withdraw", "Provider: withdraw your credited payments", [], () => import("./claims/withdraw.js")),
  claimsTask(
    "eob",
    "Print a claim's Explanation of Benefit and write ClaimResponse + EOB FHIR JSON",
    [
      opt("out", "Output file (default: eob-<id>.json)"),
      opt("fhir", "The original FHIR Claim, to echo its service codes"),
    ],
    () => import("./claims/eob.js"),
    { name: "id", description: "Claim id" },
  ),
  claimsTask(
    "remittance",
    "Remittance advice for a provider (CSV in the spirit of X12 835)",
    [opt("provider", "Provider member id"), opt("out", "CSV file (default: print)")],
    () => import("./claims/remittance.js"),
  ),
];
