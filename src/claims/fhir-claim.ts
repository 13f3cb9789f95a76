import { randomBytes } from "node:crypto";

import canonicalize from "canonicalize";
import { hexlify, keccak256, toUtf8Bytes, concat, getBytes } from "ethers";
import { z } from "zod";

import { MedChainError } from "../chain/errors.js";
import {
  checkPatientId,
  CODE_TEXT,
  MAX_CODE,
  MAX_CODE_SYSTEM,
  patientReference,
  serviceCode,
  toTokenUnits,
  toUnixSeconds,
} from "./codes.js";
import type { ClaimInputArgs, DocumentationArgs, LineArgs } from "./engine.js";

const money = z.object({ value: z.union([z.number(), z.string()]), currency: z.string().optional() }).passthrough();
const coding = z.object({ system: z.string().optional(), code: z.string().optional() }).passthrough();
const concept = z.object({ coding: z.array(coding).optional(), text: z.string().optional() }).passthrough();

/** The parts of a FHIR R4 Claim this mapping reads; everything else is reported as not mapped. */
const fhirClaimSchema = z
  .object({
    resourceType: z.literal("Claim"),
    id: z.string().optional(),
    status: z.string().optional(),
    use: z.string().optional(),
    patient: z
      .object({
        reference: z.string().optional(),
        identifier: z.object({ value: z.string() }).passthrough().optional(),
      })
      .passthrough(),
    billablePeriod: z.object({ start: z.string().optional() }).passthrough().optional(),
    diagnosis: z
      .array(
        z
          .object({
            sequence: z.number().optional(),
            diagnosisCodeableConcept: concept.optional(),
            diagnosisReference: z.object({ reference: z.string() }).passthrough().optional(),
          })
          .passthrough(),
      )
      .optional(),
    item: z
      .array(
        z
          .object({
            sequence: z.number().optional(),
            productOrService: concept,
            servicedDate: z.string().optional(),
            servicedPeriod: z.object({ start: z.string().optional() }).passthrough().optional(),
            quantity: z
              .object({ value: z.union([z.number(), z.string()]) })
              .passthrough()
              .optional(),
            unitPrice: money.optional(),
            factor: z.number().optional(),
            net: money.optional(),
          })
          .passthrough(),
      )
      .min(1),
  })
  .passthrough();

/** Fields of a Claim this mapping uses (others are listed in the report). */
const MAPPED_CLAIM_FIELDS = new Set([
  "resourceType",
  "id",
  "status",
  "use",
  "patient",
  "billablePeriod",
  "diagnosis",
  "item",
  "created",
  "text",
]);
const MAPPED_ITEM_FIELDS = new Set([
  "sequence",
  "productOrService",
  "servicedDate",
  "servicedPeriod",
  "quantity",
  "unitPrice",
  "factor",
  "net",
]);
/** Fields that do not go on chain by design, with why. */
const NOT_ON_CHAIN: Record<string, string> = {
  identifier: "the provider's own claim number stays off chain",
  type: "claim type is not used by adjudication",
  subType: "claim subtype is not used by adjudication",
  priority: "priority is not used by adjudication",
  payee: "the payee is always the billing provider (pull payment)",
  insurer: "the insurer is the plan's insurer (--plan)",
  provider: "the provider is the submitting member account",
  insurance: "coverage is the plan enrolment (--plan)",
  careTeam: "practitioners are not identified on chain",
  enterer: "the enterer is not identified on chain",
  facility: "the facility is not identified on chain",
  procedure: "procedures are documented by the anchored record, not the claim",
  supportingInfo: "supporting information stays in the anchored record",
  accident: "accident details are not adjudicated",
  total: "the total is recomputed from the lines",
  referral: "referrals are not adjudicated",
  related: "related claims: use `claims replace` for corrections",
  prescription: "prescriptions are not adjudicated",
  originalPrescription: "prescriptions are not adjudicated",
  fundsReserve: "funds are reserved by the vault",
};

/** What a FHIR Claim maps to, and what of it does not. */
export interface ClaimMapping {
  input: ClaimInputArgs;
  /** The salt of the diagnosis commitment: the provider keeps it to open the commitment later. */
  diagnosisSalt: string;
  /** Fields not carried on chain: `field` is a FHIRPath-like location, `reason` why. */
  unmapped: Array<{ field: string; reason: string }>;
}

/** What the caller supplies that a FHIR Claim does not carry. */
export interface ClaimMappingOptions {
  /** Source name for error messages (a file path). */
  file: string;
  planId: bigint;
  /** Settlement token decimals. */
  decimals: number;
  /** The coverage's member secret, to derive the patient reference. */
  patientSecret: string;
  /**
   * The anchored record documenting the service: the provider's billing documentation leaf for this
   * patient (from the record's proof file), carried on chain as the claim's documentation.
   */
  documentation: DocumentationArgs;
  /** The start of the patient's coverage period covering the service date (0: none known; CARC 31). */
  coverageStart?: bigint;
  /** 32-byte salt for the diagnosis commitment (random when omitted). */
  diagnosisSalt?: string;
}

/**
 * Maps a FHIR R4 Claim to the claim `submit` takes. Refuses, with one line naming the file, field and
 * problem, anything that is not a usable Claim: wrong resourceType, no items, a non-numeric or
 * negative amount, items on different service dates, a use other than "claim". Reports field by
 * field what it does not carry on chain.
 */
export function fhirClaimToChain(json: unknown, opts: ClaimMappingOptions): ClaimMapping {
  const { file } = opts;
  const parsed = fhirClaimSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join(".") || "(root)";
    const problem = field === "resourceType" ? 'not a FHIR Claim (resourceType must be "Claim")' : issue.message;
    throw new MedChainError(`${file}: ${field}: ${problem}`);
  }
  const claim = parsed.data;
  if (claim.use !== undefined && claim.use !== "claim") {
    throw new MedChainError(`${file}: use: "${claim.use}" is not a claim for payment (only "claim" is submitted)`);
  }
  if (claim.status !== undefined && claim.status !== "active") {
    throw new MedChainError(`${file}: status: "${claim.status}" claims are not submitted (only "active")`);
  }
  const patientId = claim.patient.identifier?.value ?? claim.patient.reference;
  if (patientId === undefined) throw new MedChainError(`${file}: patient: needs a reference or an identifier`);
  checkPatientId(
    patientId,
    `${file}: ${claim.patient.identifier?.value !== undefined ? "patient.identifier.value" : "patient.reference"}`,
  );

  const unmapped: ClaimMapping["unmapped"] = [];
  for (const key of Object.keys(claim)) {
    if (!MAPPED_CLAIM_FIELDS.has(key))
      unmapped.push({ field: key, reason: NOT_ON_CHAIN[key] ?? "not supported by the on-chain claim" });
  }

  let serviceDate: bigint | undefined;
  const lines: LineArgs[] = claim.item.map((item, i) => {
    const where = `item[${i}]`;
    for (const key of Object.keys(item)) {
      if (!MAPPED_ITEM_FIELDS.has(key)) {
        unmapped.push({
          field: `${where}.${key}`,
          reason: key === "detail" ? "sub-item details are not billed separately" : "not carried on chain",
        });
      }
    }
    const c = item.productOrService.coding?.find((x) => x.code !== undefined);
    if (c?.code === undefined) throw new MedChainError(`${file}: ${where}.productOrService: no coded service`);
    // as the plan's fee schedule writes them: " 99213" would be another service, covered by nothing
    for (const [part, value, max] of [
      ["code", c.code, MAX_CODE],
      ["system", c.system, MAX_CODE_SYSTEM],
    ] as const) {
      if (value !== undefined && (typeof value !== "string" || value.length > max || !CODE_TEXT.test(value)))
        throw new MedChainError(
          `${file}: ${where}.productOrService.coding.${part}: ${JSON.stringify(String(value).slice(0, 80))} is not a code (printable, no space at an end, no "|", at most ${max} characters)`,
        );
    }
    const dateText = item.servicedDate ?? item.servicedPeriod?.start ?? claim.billablePeriod?.start;
    if (dateText === undefined)
      throw new MedChainError(`${file}: ${where}.servicedDate: missing (and no billablePeriod.start)`);
    const date = dayStart(toUnixSeconds(dateText, `${file}: ${where}.servicedDate`));
    if (serviceDate === undefined) serviceDate = date;
    else if (date !== serviceDate) {
      throw new MedChainError(
        `${file}: ${where}.servicedDate: differs from item[0]'s; submit one claim per service date`,
      );
    }
    const units =
      item.quantity === undefined ? 1n : wholeUnits(item.quantity.value, `${file}: ${where}.quantity.value`);
    const charged =
      item.net !== undefined
        ? toTokenUnits(item.net.value, opts.decimals, `${file}: ${where}.net.value`)
        : item.unitPrice !== undefined
          ? toTokenUnits(item.unitPrice.value, opts.decimals, `${file}: ${where}.unitPrice.value`) * units
          : undefined;
    if (charged === undefined) throw new MedChainError(`${file}: ${where}.net: no net or unitPrice amount`);
    if (charged >= MAX_CHARGE) {
      throw new MedChainError(
        `${file}: ${where}.net: the charge is more than the contract holds (${MAX_CHARGE - 1n} units)`,
      );
    }
    if (item.factor !== undefined && item.net === undefined) {
      unmapped.push({ field: `${where}.factor`, reason: "factor is applied only through net" });
    }
    return { code: serviceCode(c.system, c.code), units, charged };
  });

  const seen = new Map<string, number>();
  lines.forEach((l, i) => {
    const first = seen.get(l.code);
    if (first !== undefined)
      throw new MedChainError(
        `${file}: item[${i}].productOrService: same code as item[${first}]; bill the units on one item`,
      );
    seen.set(l.code, i);
  });

  const diagnosisSalt = opts.diagnosisSalt ?? hexlify(randomBytes(32));
  if (getBytes(diagnosisSalt).length < 16) throw new MedChainError(`--diagnosis-salt: needs at least 16 bytes`);
  const diagnoses = (claim.diagnosis ?? []).map(
    (d) => d.diagnosisCodeableConcept?.coding ?? d.diagnosisReference ?? null,
  );
  const diagnosisCommitment = keccak256(concat([diagnosisSalt, toUtf8Bytes(canonicalize(diagnoses) ?? "[]")]));

  return {
    input: {
      patientRef: patientReference(patientId, opts.patientSecret),
      planId: opts.planId,
      coverageStart: opts.coverageStart ?? 0n,
      serviceDate: serviceDate!,
      diagnosisCommitment,
      documentation: opts.documentation,
      lines,
    },
    diagnosisSalt,
    unmapped,
  };
}

/** A line's charge is a uint96 on chain. */
const MAX_CHARGE = 1n << 96n;

/** Service dates are days: the start of the UTC day, so the same visit always gives the same key. */
function dayStart(seconds: bigint): bigint {
  return seconds - (seconds % 86_400n);
}

function wholeUnits(value: number | string, where: string): bigint {
  const text = String(value).trim();
  if (!/^\d+$/.test(text) || BigInt(text) === 0n || BigInt(text) > 4_294_967_295n) {
    throw new MedChainError(`${where}: "${value}" is not a whole number of units (1 or more)`);
  }
  return BigInt(text);
}
