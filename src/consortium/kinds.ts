import { id } from "ethers";

import { MedChainError } from "../chain/errors.js";

/** Institution kinds, in the order of the contract's `MemberKind` enum (bit `1 << kind`). */
export const MemberKind = {
  Hospital: 0,
  Laboratory: 1,
  Manufacturer: 2,
  Distributor: 3,
  Pharmacy: 4,
  Insurer: 5,
  Regulator: 6,
} as const;
export type MemberKindName = keyof typeof MemberKind;

/** Member status, in the order of the contract's `MemberStatus` enum. */
export const MEMBER_STATUS = ["None", "Active", "Suspended", "Revoked"] as const;
export type MemberStatusName = (typeof MEMBER_STATUS)[number];

/** Proposal actions, in the order of the contract's `ProposalAction` enum. */
export const ProposalAction = {
  Admit: 0,
  SetKinds: 1,
  Suspend: 2,
  Reinstate: 3,
  Revoke: 4,
  AddGovernor: 5,
  RemoveGovernor: 6,
  SetThreshold: 7,
  SetCertifier: 8,
  Unpause: 9,
  Call: 10,
  Pause: 11,
  SetCertification: 12,
} as const;
export type ProposalActionName = keyof typeof ProposalAction;

/** Module ids used by the registry's pause flags (same preimages as `MemberKinds.MODULE_*`). */
export const MODULE_IDS = {
  records: id("medchain.module.records"),
  provenance: id("medchain.module.provenance"),
  claims: id("medchain.module.claims"),
  genomics: id("medchain.module.genomics"),
} as const;
export type ModuleName = keyof typeof MODULE_IDS;

/** Thrown when a kind name is not one of MemberKind (bad input). */
export class UnknownKindError extends MedChainError {
  constructor(readonly unknownKind: string) {
    super(`unknown member kind "${unknownKind}" (expected one of ${Object.keys(MemberKind).join(", ")})`);
    this.name = "UnknownKindError";
  }
}

/** The bit mask of the given kinds. */
export function kindMask(...kinds: MemberKindName[]): number {
  return kinds.reduce((mask, kind) => mask | (1 << MemberKind[kind]), 0);
}

/** Parses "Hospital,Laboratory" (case-insensitive) into a bit mask. */
export function parseKinds(list: string): number {
  const names = list
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (names.length === 0) throw new UnknownKindError(list);
  return kindMask(
    ...names.map((name) => {
      const match = Object.keys(MemberKind).find((k) => k.toLowerCase() === name.toLowerCase());
      if (match === undefined) throw new UnknownKindError(name);
      return match as MemberKindName;
    }),
  );
}

/** The kind names in a bit mask, in enum order. */
export function kindNames(mask: number | bigint): MemberKindName[] {
  const m = Number(mask);
  return (Object.keys(MemberKind) as MemberKindName[]).filter((k) => (m & (1 << MemberKind[k])) !== 0);
}
