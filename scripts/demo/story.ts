import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import type { NetworkConnection } from "hardhat/types/network";

import type {
  ClaimsEngine,
  ClaimsPlans,
  ConsortiumRegistry,
  DrugProvenance,
  RecordRegistry,
} from "../../typechain-types/index.js";

/** The cast of the demo. Every institution and person here is invented. */
export interface Cast {
  institute: HardhatEthersSigner; // the national institute: the certifier
  governors: HardhatEthersSigner[];
  hospitalA: HardhatEthersSigner;
  hospitalB: HardhatEthersSigner;
  lab: HardhatEthersSigner;
  manufacturer: HardhatEthersSigner;
  distributor: HardhatEthersSigner;
  pharmacy: HardhatEthersSigner;
  insurer: HardhatEthersSigner;
  regulator: HardhatEthersSigner;
  /** Spare accounts for patients' apps, guardians and the like. */
  people: HardhatEthersSigner[];
}

/** Contracts deployed so far; each chapter adds the ones it deploys. */
export interface StoryContracts {
  registry?: ConsortiumRegistry;
  records?: RecordRegistry;
  claimsPlans?: ClaimsPlans;
  claimsEngine?: ClaimsEngine;
  provenance?: DrugProvenance;
}

/** What chapters share: the chain, the cast, the contracts, and a narrator. */
export interface Story {
  connection: NetworkConnection<"generic">;
  cast: Cast;
  contracts: StoryContracts;
  /** Member ids by cast name. */
  memberIds: Partial<Record<keyof Omit<Cast, "governors" | "people" | "institute">, string>>;
  /** Facts later chapters need from earlier ones (e.g. the record a claim documents). */
  facts: Record<string, unknown>;
  chapter(title: string): void;
  say(text: string): void;
}

export type Chapter = (story: Story) => Promise<void>;

export async function createStory(connection: NetworkConnection<"generic">): Promise<Story> {
  const signers = await connection.ethers.getSigners();
  const s = (i: number): HardhatEthersSigner => {
    const signer = signers[i];
    if (signer === undefined) throw new Error(`the demo needs at least ${i + 1} accounts`);
    return signer;
  };
  let chapterNo = 0;
  let step = 0;
  return {
    connection,
    cast: {
      institute: s(0),
      governors: [s(1), s(2), s(3)],
      hospitalA: s(4),
      hospitalB: s(5),
      lab: s(6),
      manufacturer: s(7),
      distributor: s(8),
      pharmacy: s(9),
      insurer: s(10),
      regulator: s(11),
      people: signers.slice(12),
    },
    contracts: {},
    memberIds: {},
    facts: {},
    chapter(title) {
      chapterNo += 1;
      step = 0;
      console.log(`\n=== Chapter ${chapterNo}: ${title} ===\n`);
    },
    say(text) {
      step += 1;
      console.log(`  ${chapterNo}.${step}  ${text}`);
    },
  };
}

/**
 * The invented patient's insurance card: her id at the insurer and the member secret printed on it.
 * Hospital B's patients file derives her billing reference from it (chapter 2); the insurer enrols
 * her and hospital B bills with it (chapter 4).
 */
export const DEMO_INSURANCE_CARD = { patientId: "Patient/lakeview-demo-0001", memberSecret: "0x" + "7a".repeat(16) };
