import { emptyTask, task } from "hardhat/config";

import { indexerOption, taskOptions } from "./options.js";

const recordsOption = {
  name: "records" as const,
  description: "RecordRegistry address (default: the one Ignition deployed on this network)",
  defaultValue: "",
};

/** `npx hardhat records <command>`: anchoring, verification, consent, access and audit for operators. */
export const recordsTasks = [
  emptyTask("records", "Patient-record anchoring, consent and access audit").build(),
  taskOptions(
    task(["records", "anchor"], "Anchor a FHIR JSON file, a folder of them, or a Bundle's entries; write proof files"),
    { signs: true },
  )
    .addPositionalArgument({ name: "target", description: "FHIR JSON file, Bundle, or folder of .json files" })
    .addOption({
      name: "patients" as const,
      description: "Patients file: FHIR patient reference -> patient account here (and billing reference)",
      defaultValue: "",
    })
    .addOption({
      name: "out" as const,
      description: "Folder for proof files (default: <target>.proofs)",
      defaultValue: "",
    })
    .addFlag({ name: "keyed" as const, description: "Derive salts from the hospital key MEDCHAIN_HOSPITAL_KEY" })
    .addFlag({ name: "wholeBundle" as const, description: "Anchor a Bundle as one record instead of per entry" })
    .addOption(recordsOption)
    .setAction(() => import("./records/anchor.js"))
    .build(),
  taskOptions(
    task(
      ["records", "retract"],
      "As the issuer, retract a record entered in error (and its billing documentation leaf)",
    ),
    { signs: true },
  )
    .addPositionalArgument({ name: "proof", description: "The record's .proof.json file (the issuer's copy)" })
    .addOption(recordsOption)
    .setAction(() => import("./records/retract.js"))
    .build(),
  taskOptions(
    task(["records", "amend"], "As the issuer, supersede a record with a new version (and its billing leaf)"),
    { signs: true },
  )
    .addPositionalArgument({ name: "record", description: "The new version (FHIR JSON)" })
    .addPositionalArgument({ name: "proof", description: "The old version's .proof.json file (the issuer's copy)" })
    .addOption({
      name: "out" as const,
      description: "Proof file of the new version (default: <record>.proof.json)",
      defaultValue: "",
    })
    .addFlag({ name: "keyed" as const, description: "Derive salts from the hospital key MEDCHAIN_HOSPITAL_KEY" })
    .addOption(recordsOption)
    .setAction(() => import("./records/amend.js"))
    .build(),
  taskOptions(
    task(
      ["records", "verify"],
      "Check a record against its proof: VALID, TAMPERED, NOT ANCHORED, SUPERSEDED, RETRACTED",
    ),
  )
    .addPositionalArgument({ name: "record", description: "The FHIR JSON record" })
    .addPositionalArgument({ name: "proof", description: "Its .proof.json file" })
    .addOption(recordsOption)
    .setAction(() => import("./records/verify.js"))
    .build(),
  taskOptions(task(["records", "consent-grant"], "Sign (with MEDCHAIN_PATIENT_KEY) and submit a patient's consent"), {
    signs: true,
  })
    .addOption({
      name: "custodian" as const,
      description: "Member id or registration code of the hospital holding the records",
      defaultValue: "",
    })
    .addOption({
      name: "grantee" as const,
      description: "Member id or registration code of the grantee",
      defaultValue: "",
    })
    .addOption({ name: "purpose" as const, description: "TREAT, ETREAT, HPAYMT or HRESCH", defaultValue: "TREAT" })
    .addOption({
      name: "categories" as const,
      description: "Category set, e.g. observation,encounter",
      defaultValue: "",
    })
    .addOption({
      name: "proofs" as const,
      description: "Or: comma-separated proof files of the custodian's records in scope",
      defaultValue: "",
    })
    .addOption({ name: "days" as const, description: "Days the consent lasts from now", defaultValue: "30" })
    .addOption({
      name: "out" as const,
      description: "Consent file to write (default: consent-<id>.json)",
      defaultValue: "",
    })
    .addOption(recordsOption)
    .setAction(() => import("./records/consent-grant.js"))
    .build(),
  taskOptions(
    task(["records", "consent-revoke"], "Sign (with MEDCHAIN_PATIENT_KEY) and submit the revocation of a consent"),
    { signs: true },
  )
    .addPositionalArgument({ name: "consent", description: "The consent file" })
    .addOption(recordsOption)
    .setAction(() => import("./records/consent-revoke.js"))
    .build(),
  taskOptions(
    task(["records", "access"], "As the grantee, record an access to a record under a consent (the audit entry)"),
    { signs: true },
  )
    .addPositionalArgument({ name: "consent", description: "The consent file" })
    .addPositionalArgument({ name: "proof", description: "The record's .proof.json file" })
    .addOption({ name: "purpose" as const, description: "TREAT, ETREAT, HPAYMT or HRESCH", defaultValue: "TREAT" })
    .addOption(recordsOption)
    .setAction(() => import("./records/access.js"))
    .build(),
  taskOptions(
    task(["records", "audit"], "The regulator's access report: every consent and break-glass access, from events"),
  )
    .addOption({ name: "member" as const, description: "Only this member (id or registration code)", defaultValue: "" })
    .addOption({
      name: "patients" as const,
      description: "Only these patient accounts (comma-separated)",
      defaultValue: "",
    })
    .addFlag({ name: "csv" as const, description: "Print CSV instead of a table" })
    .addOption(indexerOption)
    .addOption(recordsOption)
    .setAction(() => import("./records/audit.js"))
    .build(),
  taskOptions(
    task(["records", "review"], "As the regulator, list overdue break-glass accesses, or mark one reviewed"),
    { signs: true },
  )
    .addOption({
      name: "id" as const,
      description: "Break-glass id to mark reviewed (default: just list)",
      defaultValue: "",
    })
    .addOption(recordsOption)
    .setAction(() => import("./records/review.js"))
    .build(),
  taskOptions(
    task(["records", "break-glass"], "As a hospital, access a record without consent in an emergency (reviewed later)"),
    { signs: true },
  )
    .addPositionalArgument({ name: "proof", description: "The record's .proof.json file" })
    .addOption({ name: "reason" as const, description: "Emergency reason code (consortium-agreed)", defaultValue: "" })
    .addOption(recordsOption)
    .setAction(() => import("./records/break-glass.js"))
    .build(),
  taskOptions(task(["records", "history"], "A record's versions (amendments, retraction) with status and times"))
    .addPositionalArgument({ name: "proof", description: "A .proof.json file of any version of the record" })
    .addOption(recordsOption)
    .setAction(() => import("./records/history.js"))
    .build(),
  taskOptions(
    task(
      ["records", "gateway"],
      "As the custodian, serve your anchored records over FHIR REST, each read consented and audited",
    ),
    { signs: true },
  )
    .addOption({
      name: "export" as const,
      description: "The anchored export: a folder of FHIR JSON files, a file or a Bundle",
      defaultValue: "",
    })
    .addOption({
      name: "proofs" as const,
      description: "Its proofs folder (default: <export>.proofs)",
      defaultValue: "",
    })
    .addOption({
      name: "fhirBase" as const,
      description: "Or: a FHIR server's base URL to read the records from (with --proofs)",
      defaultValue: "",
    })
    .addOption({ name: "port" as const, description: "Port to listen on", defaultValue: "8080" })
    .addOption({ name: "host" as const, description: "Interface to listen on", defaultValue: "127.0.0.1" })
    .addOption({
      name: "publicBase" as const,
      description: "The URL clients reach the gateway at, for the Bundles' links (default: http://<host>:<port>)",
      defaultValue: "",
    })
    .addOption({
      name: "state" as const,
      description: "The gateway's state folder (requests answered, to refuse replays)",
      defaultValue: ".medchain-gateway",
    })
    .addOption(recordsOption)
    .setAction(() => import("./records/gateway.js"))
    .build(),
  taskOptions(
    task(
      ["records", "fetch"],
      "As the grantee, fetch what a consent covers from the custodian's gateway and verify every record",
    ),
    { signs: true },
  )
    .addOption({
      name: "gateway" as const,
      description: "The custodian's gateway (FHIR base URL, e.g. http://host:8080/fhir)",
      defaultValue: "",
    })
    .addOption({ name: "consent" as const, description: "The consent file", defaultValue: "" })
    .addOption({
      name: "out" as const,
      description: "Folder to write records and report.json to (must not exist)",
      defaultValue: "",
    })
    .addOption({
      name: "types" as const,
      description: "Only these FHIR resource types (comma-separated)",
      defaultValue: "",
    })
    .addOption({ name: "purpose" as const, description: "Purpose of use (default: the consent's)", defaultValue: "" })
    .addOption(recordsOption)
    .setAction(() => import("./records/fetch.js"))
    .build(),
  taskOptions(
    task(["records", "patient-accounts"], "The patient's per-hospital accounts, derived from MEDCHAIN_PATIENT_KEY"),
  )
    .addPositionalArgument({ name: "hospitals", description: "Comma-separated member ids or registration codes" })
    .setAction(() => import("./records/patient-accounts.js"))
    .build(),
];
