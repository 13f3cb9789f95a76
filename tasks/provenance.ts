import { emptyTask, task } from "hardhat/config";

import { indexerOption, taskOptions } from "./options.js";

const provenanceOption = {
  name: "provenance" as const,
  description: "DrugProvenance address (default: the one Ignition deployed on this network)",
  defaultValue: "",
};
const dataOption = {
  name: "data" as const,
  description: "Data directory: lot trees, private lot bundles, container files",
  defaultValue: "provenance-data",
};
const itemArgument = {
  name: "item" as const,
  description: "Digital Link, element string or EPC URN of an SSCC or of a GTIN + serial",
};

/** `npx hardhat provenance <command>`: drug provenance for manufacturers, distributors, pharmacies, patients. */
export const provenanceTasks = [
  emptyTask("provenance", "Drug provenance: products, lots, containers, custody, dispense, verify").build(),
  taskOptions(
    task(
      ["provenance", "prefix"],
      "Governor: propose a GS1 company prefix change by vote (--assign or --transfer with --member, or --revoke)",
    ),
    { signs: true },
  )
    .addOption({ name: "assign", description: "company prefix to assign (4-12 digits)", defaultValue: "" })
    .addOption({ name: "transfer", description: "company prefix to move to another member", defaultValue: "" })
    .addOption({ name: "revoke", description: "company prefix to take away", defaultValue: "" })
    .addOption({ name: "member", description: "the member to hold it: id or registration code", defaultValue: "" })
    .addOption(provenanceOption)
    .setAction(() => import("./provenance/prefix.js"))
    .build(),
  taskOptions(
    task(["provenance", "register-product"], "Register a GTIN-14 under a company prefix your manufacturer holds"),
    { signs: true },
  )
    .addOption({ name: "gtin", description: "GTIN-14", defaultValue: "" })
    .addOption(provenanceOption)
    .setAction(() => import("./provenance/register-product.js"))
    .build(),
  taskOptions(
    task(["provenance", "commission"], "Commission a lot from a CSV of serials (hidden codes, tree, labels)"),
    { signs: true },
  )
    .addOption({ name: "gtin", description: "GTIN-14", defaultValue: "" })
    .addOption({ name: "lot", description: "lot number (AI 10)", defaultValue: "" })
    .addOption({ name: "expiry", description: "expiry date YYMMDD (AI 17)", defaultValue: "" })
    .addOption({ name: "serials", description: "CSV file, one serial per line", defaultValue: "" })
    .addFlag({ name: "noLabels", description: "do not write the printable labels" })
    .addOption({
      name: "labelBase",
      description: "resolver URL the QR codes carry (default: MEDCHAIN_RESOLVER_BASE, else https://id.gs1.org)",
      defaultValue: "",
    })
    .addOption(dataOption)
    .addOption(provenanceOption)
    .setAction(() => import("./provenance/commission.js"))
    .build(),
  taskOptions(task(["provenance", "pack"], "Pack items (packs or containers) into a new container (SSCC)"), {
    signs: true,
  })
    .addOption({ name: "sscc", description: "the container's SSCC-18", defaultValue: "" })
    .addOption({ name: "items", description: "comma-separated GS1 strings of the children", defaultValue: "" })
    .addOption(dataOption)
    .addOption(provenanceOption)
    .setAction(() => import("./provenance/pack.js"))
    .build(),
  ...(["unpack", "receive", "destroy", "report-stolen"] as const).map((op) =>
    taskOptions(task(["provenance", op], `${op[0]!.toUpperCase()}${op.slice(1).replace("-", " ")} an item you hold`), {
      signs: true,
    })
      .addPositionalArgument(itemArgument)
      .addOption(dataOption)
      .addOption(provenanceOption)
      .setAction(() => import(`./provenance/${op}.js`))
      .build(),
  ),
  taskOptions(task(["provenance", "ship"], "Ship a sealed container or a loose pack to a named member"), {
    signs: true,
  })
    .addPositionalArgument(itemArgument)
    .addOption({ name: "to", description: "receiving member: id or registration code", defaultValue: "" })
    .addOption(dataOption)
    .addOption(provenanceOption)
    .setAction(() => import("./provenance/ship.js"))
    .build(),
  taskOptions(
    task(["provenance", "dispense"], "Dispense a pack to a patient (a pack seen before raises a clone alert)"),
    { signs: true },
  )
    .addPositionalArgument({ name: "label", description: "the pack's Digital Link or element string" })
    .addOption({ name: "code", description: "the scratch-off code", defaultValue: "" })
    .addOption(dataOption)
    .addOption(provenanceOption)
    .setAction(() => import("./provenance/dispense.js"))
    .build(),
  taskOptions(task(["provenance", "recall"], "Recall a lot (the holder of its product's prefix, or a regulator)"), {
    signs: true,
  })
    .addOption({ name: "gtin", description: "GTIN-14", defaultValue: "" })
    .addOption({ name: "lot", description: "lot number", defaultValue: "" })
    .addOption({
      name: "reason",
      description:
        "unspecified | quality-defect | contamination | mislabelling | counterfeit-found | regulatory-action | other",
      defaultValue: "unspecified",
    })
    .addOption(provenanceOption)
    .setAction(() => import("./provenance/recall.js"))
    .build(),
  taskOptions(
    task(
      ["provenance", "import"],
      "Import an EPCIS document (JSON-LD, or XML of EPCIS 1.2/2.0) as contract calls: pipelined, resumable",
    ),
    { signs: true },
  )
    .addPositionalArgument({ name: "file", description: "the EPCIS document (.jsonld / .json / .xml)" })
    .addOption({
      name: "journal",
      description: "journal file (default: <data>/journals/<file>.journal)",
      defaultValue: "",
    })
    .addOption({ name: "parties", description: "JSON file: party/location URN -> member id", defaultValue: "" })
    .addOption({
      name: "to",
      description: "receiving member for shipments without a mapped destination",
      defaultValue: "",
    })
    .addOption({
      name: "batch",
      description: "most events in one transaction, 1-64 (default 16; 1 sends each event alone)",
      defaultValue: "",
    })
    .addOption(dataOption)
    .addOption(provenanceOption)
    .setAction(() => import("./provenance/import.js"))
    .build(),
  taskOptions(task(["provenance", "export"], "Export an item's on-chain history as an EPCIS 2.0 JSON-LD document"))
    .addPositionalArgument(itemArgument)
    .addOption({ name: "out", description: "output file (default: print)", defaultValue: "" })
    .addOption(dataOption)
    .addOption(provenanceOption)
    .setAction(() => import("./provenance/export.js"))
    .build(),
  taskOptions(task(["provenance", "verify"], "Verify a pack from its label and scratch-off code: verdict and timeline"))
    .addPositionalArgument({ name: "label", description: "the pack's Digital Link or element string" })
    .addOption({ name: "code", description: "the scratch-off code", defaultValue: "" })
    .addOption(indexerOption)
    .addOption(dataOption)
    .addOption(provenanceOption)
    .setAction(() => import("./provenance/verify.js"))
    .build(),
  taskOptions(
    task(
      ["provenance", "resolver"],
      "Serve the GS1 Digital Link resolver and verify page (read-only: verdicts by the chain's verify view)",
    ),
  )
    .addOption({ name: "port", description: "port to listen on", defaultValue: "8090" })
    .addOption({ name: "host", description: "interface to listen on", defaultValue: "127.0.0.1" })
    .addOption({
      name: "base",
      description: "public base URL the QR codes carry (default: http://<host>:<port>)",
      defaultValue: "",
    })
    .addOption({
      name: "indexer",
      description: "indexer URL (npm run indexer) for custody timelines (default: read the chain's logs)",
      defaultValue: "",
    })
    .addOption(dataOption)
    .addOption(provenanceOption)
    .setAction(() => import("./provenance/resolver.js"))
    .build(),
];
