// The indexer's tables (Ponder creates them, with these indexes, in the `--schema` it runs with).
// Every event of every contract lands in `chain_event`; the families people query have their own
// tables with the columns and indexes of the three reports: a pack's custody timeline
// (`item_event`, `item_link`, `pack_lot`), the regulator's access audit (`record_access`,
// `consent_patient`, `break_glass_review`) and the insurer's remittance (`claim`, `plan`).
import { index, onchainTable } from "ponder";

/** The column builders Ponder hands a table's definition. */
type Builders = Parameters<Extract<Parameters<typeof onchainTable>[1], (...args: never[]) => unknown>>[0];

/** Columns every event row carries: where it is on chain (block, log index) and when. */
const position = (t: Builders) => ({
  blockNumber: t.int8({ mode: "number" }).notNull(),
  logIndex: t.integer().notNull(),
  txHash: t.text().notNull(),
  /** The block's timestamp, in seconds. */
  timestamp: t.int8({ mode: "number" }).notNull(),
});

/** Every event of every MedChain contract (consortium, records, provenance, claims, genomics). */
export const chainEvent = onchainTable(
  "chain_event",
  (t) => ({
    /** `<block>-<logIndex>`: unique on the chain followed. */
    id: t.text().primaryKey(),
    contract: t.text().notNull(),
    address: t.text().notNull(),
    event: t.text().notNull(),
    /** The decoded arguments by name (bigints as decimal strings). */
    args: t.json().notNull(),
    ...position(t),
  }),
  (table) => ({
    byEvent: index().on(table.contract, table.event, table.blockNumber),
    byBlock: index().on(table.blockNumber, table.logIndex),
  }),
);

/** Provenance: one row per event of an item (pack, container, lot), in HistoryEntry's words. */
export const itemEvent = onchainTable(
  "item_event",
  (t) => ({
    id: t.text().primaryKey(),
    itemId: t.text().notNull(),
    event: t.text().notNull(),
    bizStep: t.text().notNull(),
    disposition: t.text().notNull(),
    member: t.text(),
    fromMember: t.text(),
    toMember: t.text(),
    root: t.text(),
    count: t.bigint(),
    sscc: t.bigint(),
    gtin: t.bigint(),
    lot: t.text(),
    expiresAt: t.bigint(),
    priorDisposition: t.text(),
    parent: t.text(),
    fromLot: t.text(),
    recallReason: t.text(),
    ...position(t),
  }),
  (table) => ({
    byItem: index().on(table.itemId, table.blockNumber, table.logIndex),
  }),
);

/**
 * Container membership edges: ItemLinked (child proven inside parent), with the parent's packing
 * that held it; ContainerUnpacked closes every edge of the container (read from `item_event`).
 */
export const itemLink = onchainTable(
  "item_link",
  (t) => ({
    id: t.text().primaryKey(),
    child: t.text().notNull(),
    parent: t.text().notNull(),
    ...position(t),
  }),
  (table) => ({
    byChild: index().on(table.child, table.blockNumber, table.logIndex),
  }),
);

/** The lot of a pack (from PackDispensed/PackCloneDetected, or a case packed from its lot). */
export const packLot = onchainTable("pack_lot", (t) => ({
  packId: t.text().primaryKey(),
  lotId: t.text().notNull(),
}));

/** Records: consent and break-glass accesses, keyed by member and time. */
export const recordAccess = onchainTable(
  "record_access",
  (t) => ({
    id: t.text().primaryKey(),
    kind: t.text().notNull(),
    member: t.text().notNull(),
    custodian: t.text().notNull(),
    record: t.text().notNull(),
    batchRoot: t.text().notNull(),
    purpose: t.text().notNull(),
    /** Consent accesses: the consent id; break-glass: "break-glass #<id>". */
    reference: t.text().notNull(),
    consentId: t.text(),
    breakGlassId: t.bigint(),
    ...position(t),
  }),
  (table) => ({
    // The audit's pages: one member's accesses (or everyone's) in chain order, read from an index range.
    byMember: index().on(table.member, table.blockNumber, table.logIndex),
    byPosition: index().on(table.blockNumber, table.logIndex),
    byTime: index().on(table.timestamp),
    byConsent: index().on(table.consentId),
  }),
);

/** The patient account each consent was granted by (the audit's patient column). */
export const consentPatient = onchainTable("consent_patient", (t) => ({
  consentId: t.text().primaryKey(),
  patient: t.text().notNull(),
}));

/** Reviewed break-glass accesses. */
export const breakGlassReview = onchainTable("break_glass_review", (t) => ({
  breakGlassId: t.bigint().primaryKey(),
  reviewer: t.text().notNull(),
  blockNumber: t.int8({ mode: "number" }).notNull(),
}));

/** Signed access requests audited on chain (AccessRequestAudited). */
export const accessRequest = onchainTable(
  "access_request",
  (t) => ({
    id: t.text().primaryKey(),
    requester: t.text().notNull(),
    nonce: t.bigint().notNull(),
    consentId: t.text().notNull(),
    requestHash: t.text().notNull(),
    records: t.bigint().notNull(),
    ...position(t),
  }),
  (table) => ({
    byConsent: index().on(table.consentId),
  }),
);

/** Claims: plans and their insurers. */
export const plan = onchainTable("plan", (t) => ({
  planId: t.bigint().primaryKey(),
  insurer: t.text().notNull(),
  version: t.integer().notNull(),
}));

/** Claims: one row per claim, its state replayed from its events, keyed by provider and insurer. */
export const claim = onchainTable(
  "claim",
  (t) => ({
    claimId: t.bigint().primaryKey(),
    providerId: t.text().notNull(),
    insurer: t.text().notNull(),
    planId: t.bigint().notNull(),
    patientRef: t.text().notNull(),
    serviceDate: t.bigint().notNull(),
    replaces: t.bigint().notNull(),
    status: t.text().notNull(),
    reason: t.integer().notNull(),
    adjudicated: t.boolean().notNull(),
    charged: t.bigint().notNull(),
    allowed: t.bigint().notNull(),
    deductible: t.bigint().notNull(),
    coinsurance: t.bigint().notNull(),
    copay: t.bigint().notNull(),
    overLimit: t.bigint().notNull(),
    planPays: t.bigint().notNull(),
    submittedBlock: t.int8({ mode: "number" }).notNull(),
    updatedBlock: t.int8({ mode: "number" }).notNull(),
    updatedAt: t.int8({ mode: "number" }).notNull(),
  }),
  (table) => ({
    byProvider: index().on(table.providerId, table.claimId),
    byInsurer: index().on(table.insurer, table.claimId),
  }),
);

/** Claims: every claims event with its claim, provider and insurer where the event names them. */
export const claimEvent = onchainTable(
  "claim_event",
  (t) => ({
    id: t.text().primaryKey(),
    event: t.text().notNull(),
    claimId: t.bigint(),
    providerId: t.text(),
    insurer: t.text(),
    amount: t.bigint(),
    ...position(t),
  }),
  (table) => ({
    byClaim: index().on(table.claimId),
    byProvider: index().on(table.providerId, table.blockNumber),
    byInsurer: index().on(table.insurer, table.blockNumber),
  }),
);
