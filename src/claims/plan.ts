import { z } from "zod";

import { MedChainError } from "../chain/errors.js";
import { readJsonFile } from "../chain/files.js";
import { CODE_TEXT, MAX_CODE, MAX_CODE_SYSTEM, serviceCode, toTokenUnits, toUnixSeconds } from "./codes.js";

const amount = z.union([z.string(), z.number()]);
/** A code or code system URI (`CODE_TEXT`): bounded, as claims' codes are. */
const codeText = (max: number) =>
  z.string().min(1).max(max).regex(CODE_TEXT, { message: 'control characters, spaces at an end or "|"' });

/**
 * A plan as an insurer writes it (JSON). Amounts are decimal currency units (converted with the
 * token's decimals); windows are in days (1 to 365: a zero window would make prompt pay or appeals
 * meaningless, so the contract refuses it); codes are FHIR-style system + code.
 */
export const planSchema = z
  .object({
    effectiveFrom: z.string().describe("YYYY-MM-DD: services on or after this date use these terms"),
    deductible: amount,
    copay: amount,
    coinsurancePercent: z
      .number()
      .min(0)
      .max(100)
      .refine((p) => Math.abs(p * 100 - Math.round(p * 100)) < 1e-6, {
        message: "at most 2 decimals (the contract holds basis points)",
      }),
    outOfPocketMax: amount,
    annualLimit: amount,
    reviewThreshold: amount,
    reviewWindowDays: z.number().int().min(1).max(365),
    appealWindowDays: z.number().int().min(1).max(365),
    codes: z
      .array(
        z
          .object({
            system: codeText(MAX_CODE_SYSTEM).optional(),
            code: codeText(MAX_CODE),
            feePerUnit: amount.optional(),
            unitCap: z.number().int().min(0).max(4_294_967_295).optional(),
            excluded: z.boolean().optional(),
            needsAuth: z.boolean().optional(),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();

export type PlanFile = z.infer<typeof planSchema>;

/** PlanTerms as the contract takes them. */
export interface PlanTermsArgs {
  effectiveFrom: bigint;
  coinsuranceBps: number;
  reviewWindow: bigint;
  appealWindow: bigint;
  deductible: bigint;
  copay: bigint;
  oopMax: bigint;
  annualLimit: bigint;
  reviewThreshold: bigint;
}

/** A CodeRule as the contract takes it. */
export interface CodeRuleArgs {
  code: string;
  feePerUnit: bigint;
  unitCap: number;
  excluded: boolean;
  needsAuth: boolean;
}

const DAY = 86_400n;

/** Validates a parsed plan JSON and converts it to contract arguments. `file` names the source in errors. */
export function planToArgs(
  json: unknown,
  decimals: number,
  file: string,
): { terms: PlanTermsArgs; rules: CodeRuleArgs[] } {
  const parsed = planSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new MedChainError(`${file}: ${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  const p = parsed.data;
  const money = (v: unknown, field: string) => toTokenUnits(v, decimals, `${file}: ${field}`);
  const terms: PlanTermsArgs = {
    effectiveFrom: toUnixSeconds(p.effectiveFrom, `${file}: effectiveFrom`),
    coinsuranceBps: Math.round(p.coinsurancePercent * 100),
    reviewWindow: BigInt(p.reviewWindowDays) * DAY,
    appealWindow: BigInt(p.appealWindowDays) * DAY,
    deductible: money(p.deductible, "deductible"),
    copay: money(p.copay, "copay"),
    oopMax: money(p.outOfPocketMax, "outOfPocketMax"),
    annualLimit: money(p.annualLimit, "annualLimit"),
    reviewThreshold: money(p.reviewThreshold, "reviewThreshold"),
  };
  const limits: Array<[keyof PlanTermsArgs, string, number]> = [
    ["deductible", "deductible", 72],
    ["oopMax", "outOfPocketMax", 72],
    ["copay", "copay", 72],
    ["annualLimit", "annualLimit", 72],
    ["reviewThreshold", "reviewThreshold", 80],
  ];
  for (const [key, field, bits] of limits) {
    if ((terms[key] as bigint) >= 1n << BigInt(bits))
      throw new MedChainError(`${file}: ${field}: too large for the contract`);
  }
  if (terms.deductible > terms.oopMax) {
    throw new MedChainError(`${file}: deductible: exceeds outOfPocketMax`);
  }
  const fee = (units: bigint, i: number) => {
    if (units >= 1n << 96n) throw new MedChainError(`${file}: codes.${i}.feePerUnit: too large for the contract`);
    return units;
  };
  const seen = new Set<string>();
  const rules = p.codes.map((c, i) => {
    const code = serviceCode(c.system, c.code);
    if (seen.has(code)) throw new MedChainError(`${file}: codes.${i}: code ${c.code} listed twice`);
    seen.add(code);
    if (c.feePerUnit === undefined && c.excluded !== true) {
      throw new MedChainError(`${file}: codes.${i}.feePerUnit: required unless the code is excluded`);
    }
    return {
      code,
      feePerUnit: c.feePerUnit === undefined ? 0n : fee(money(c.feePerUnit, `codes.${i}.feePerUnit`), i),
      unitCap: c.unitCap ?? 0,
      excluded: c.excluded ?? false,
      needsAuth: c.needsAuth ?? false,
    };
  });
  return { terms, rules };
}

/** Reads and validates a plan JSON file. */
export async function readPlanFile(
  file: string,
  decimals: number,
): Promise<{ terms: PlanTermsArgs; rules: CodeRuleArgs[] }> {
  return planToArgs(await readJsonFile(file), decimals, file);
}
