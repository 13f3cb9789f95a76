import { emptyTask, task } from "hardhat/config";

/** A genomics task with the options every one takes: the contracts and the signing account. */
function genomics(command: string, description: string) {
  return task(["genomics", command], description)
    .addOption({ name: "datasets", description: "GenomicDatasets address (default: Ignition's)", defaultValue: "" })
    .addOption({ name: "queries", description: "GenomicQueries address (default: Ignition's)", defaultValue: "" })
    .addOption({
      name: "interpretations",
      description: "VariantInterpretations address (default: Ignition's)",
      defaultValue: "",
    })
    .addOption({ name: "registry", description: "ConsortiumRegistry address (default: Ignition's)", defaultValue: "" })
    .addOption({
      name: "as",
      description: "Sign as this named account (medchain.accounts.json, e.g. lab-a)",
      defaultValue: "",
    })
    .addOption({
      name: "from",
      description: "Sign with this account of the network (an address; default: its first account)",
      defaultValue: "",
    })
    .addFlag({ name: "json", description: "Print one JSON document (the result, or the error) and nothing else" });
}
const exchangeOption = {
  name: "exchange" as const,
  description: "The query's exchange folder (files the aggregator relays)",
  defaultValue: "",
};

/** `npx hardhat genomics <command>`: the genomic-variant consortium for labs, researchers and the aggregator. */
export const genomicsTasks = [
  emptyTask(
    "genomics",
    "Genomic-variant consortium: datasets, rules, queries, secure aggregation, interpretations",
  ).build(),
  genomics("register", "Register (or supersede) a lab's dataset from a VCF: signed root, counts stay home")
    .addOption({ name: "vcf", description: "the lab's VCF (GRCh38, normalised)", defaultValue: "" })
    .addOption({ name: "name", description: "the lab's name for the dataset (<= 31 bytes)", defaultValue: "" })
    .addOption({ name: "uses", description: "allowed DUO term ids, e.g. DUO:0000006,DUO:0000042", defaultValue: "" })
    .addOption({ name: "lab", description: "lab member id or code (default: the signer's member)", defaultValue: "" })
    .addOption({ name: "out", description: "folder for the dataset files", defaultValue: "genomics-data" })
    .setAction(() => import("./genomics/register.js"))
    .build(),
  genomics("verify-dataset", "Verify a dataset file's signature, root and status on chain")
    .addPositionalArgument({ name: "file", description: "the public <name>-v<n>.dataset.json" })
    .setAction(() => import("./genomics/verify-dataset.js"))
    .build(),
  genomics("withdraw", "Withdraw your lab's current dataset version")
    .addOption({
      name: "versionId",
      description: "version id",
      defaultValue: "",
    })
    .setAction(() => import("./genomics/withdraw.js"))
    .build(),
  genomics("rules", "Show the alliance's data-use rules in force")
    .setAction(() => import("./genomics/rules.js"))
    .build(),
  genomics("propose-rule", "Propose a rule change for the governors to vote (consortium vote/execute)")
    .addOption({
      name: "rule",
      description: "budget | release | purpose | aggregator | window | expert-panel",
      defaultValue: "",
    })
    .addOption({ name: "budget", description: "epsilon per dataset (budget)", defaultValue: "0" })
    .addOption({ name: "perQuery", description: "epsilon charged per query (budget)", defaultValue: "0" })
    .addOption({ name: "perCell", description: "epsilon charged per variant (budget)", defaultValue: "0" })
    .addOption({
      name: "requesterShare",
      description: "percent of each dataset's budget one requester may hold, 1-50 (budget)",
      defaultValue: "",
    })
    .addOption({ name: "minCellCount", description: "smallest count released (release)", defaultValue: "" })
    .addOption({ name: "minLabs", description: "contributing labs needed (release)", defaultValue: "" })
    .addOption({ name: "purpose", description: "DUO term id (purpose)", defaultValue: "" })
    .addOption({ name: "kinds", description: "requester kinds, e.g. Hospital,Laboratory, or none", defaultValue: "" })
    .addOption({ name: "account", description: "aggregator account (aggregator)", defaultValue: "" })
    .addOption({ name: "hours", description: "answer window in hours (window)", defaultValue: "" })
    .addOption({ name: "member", description: "expert panel member id or code, or none", defaultValue: "" })
    .setAction(() => import("./genomics/propose-rule.js"))
    .build(),
  genomics("request", "Request an aggregate over datasets for a DUO purpose (charges every budget)")
    .addOption({ name: "versions", description: "comma-separated dataset version ids", defaultValue: "" })
    .addOption({ name: "purpose", description: "DUO purpose, e.g. DUO:0000006", defaultValue: "" })
    .addOption({
      name: "variants",
      description: "variant list file (keys, chr-pos-ref-alt, or a VCF)",
      defaultValue: "",
    })
    .addOption({ name: "region", description: "GRCh38 region chr:start-end (optional)", defaultValue: "" })
    .addOption(exchangeOption)
    .setAction(() => import("./genomics/request.js"))
    .build(),
  genomics("contribute", "A lab's next step in a query: join, share, contribute (masked), unmask")
    .addOption(exchangeOption)
    .addOption({ name: "sites", description: "the lab's private <name>-v<n>.sites.json", defaultValue: "" })
    .addOption({ name: "versionId", description: "version id (default: the sites file's)", defaultValue: "" })
    .addOption({
      name: "state",
      description: "the lab's private state folder",
      defaultValue: "genomics-data/private",
    })
    .setAction(() => import("./genomics/contribute.js"))
    .build(),
  genomics("aggregate", "The aggregator's next step: participants, U1, survivors, publish")
    .addOption(exchangeOption)
    .addOption({ name: "rounding", description: "round released counts to a multiple of this", defaultValue: "1" })
    .setAction(() => import("./genomics/aggregate.js"))
    .build(),
  genomics("verify", "Verify a published result from the exchange folder")
    .addOption(exchangeOption)
    .setAction(() => import("./genomics/verify.js"))
    .build(),
  genomics("interpret", "Submit (or revise) your lab's signed ACMG/AMP classification")
    .addOption({ name: "variant", description: "ga4gh:VA.… or chr-pos-ref-alt", defaultValue: "" })
    .addOption({ name: "condition", description: "MONDO id, e.g. MONDO:0007254", defaultValue: "" })
    .addOption({ name: "significance", description: "P, LP, VUS, LB or B", defaultValue: "" })
    .addOption({
      name: "evidence",
      description: "ACMG/AMP codes, e.g. PS3,PM2 (committed, not published)",
      defaultValue: "",
    })
    .addFlag({ name: "noCriteria", description: "no assertion criteria were applied" })
    .addOption({
      name: "lab",
      description: "lab member id or code (default: the signer's member)",
      defaultValue: "",
    })
    .setAction(() => import("./genomics/interpret.js"))
    .build(),
  genomics("interpretations", "Show a variant's aggregate classification, review status and conflicts")
    .addOption({ name: "variant", description: "ga4gh:VA.… or chr-pos-ref-alt", defaultValue: "" })
    .addOption({ name: "condition", description: "MONDO id", defaultValue: "" })
    .setAction(() => import("./genomics/interpretations.js"))
    .build(),
];
