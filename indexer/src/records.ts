// Records: the regulator's access audit (consent and break-glass accesses, their reviews, the
// consents' patient accounts) and the audited access requests.
import { accessRequest, breakGlassReview, consentPatient, recordAccess } from "ponder:schema";

import { getAddress } from "ethers";

import { purposeName } from "../../src/records/consent.js";
import { eventId, position, type FamilyHandler } from "./handlers.js";

/** Ponder decodes addresses in lower case; the SDK (ethers) shows them checksummed (EIP-55). */
const checksummed = (a: unknown) => getAddress(a as string);

export const recordsHandlers: Record<string, FamilyHandler> = {
  async ConsentGranted(e, db) {
    await db
      .insert(consentPatient)
      .values({ consentId: e.args.consentId, patient: checksummed(e.args.patient) })
      .onConflictDoUpdate({ patient: checksummed(e.args.patient) });
  },
  async RecordAccessed(e, db) {
    const a = e.args;
    await db.insert(recordAccess).values({
      id: eventId(e),
      kind: "consent",
      member: a.grantee,
      custodian: a.custodian,
      record: a.leaf,
      batchRoot: a.batchRoot,
      purpose: purposeName(a.purpose as number),
      reference: a.consentId,
      consentId: a.consentId,
      breakGlassId: null,
      ...position(e),
    });
  },
  async BreakGlassAccessed(e, db) {
    const a = e.args;
    await db.insert(recordAccess).values({
      id: eventId(e),
      kind: "break-glass",
      member: a.memberId,
      custodian: a.issuer,
      record: a.leaf,
      batchRoot: a.batchRoot,
      purpose: `ETREAT (reason ${a.reasonCode})`,
      reference: `break-glass #${a.breakGlassId}`,
      consentId: null,
      breakGlassId: a.breakGlassId,
      ...position(e),
    });
  },
  async BreakGlassReviewed(e, db) {
    await db
      .insert(breakGlassReview)
      .values({ breakGlassId: e.args.breakGlassId, reviewer: e.args.reviewer, blockNumber: Number(e.block.number) })
      .onConflictDoNothing();
  },
  async AccessRequestAudited(e, db) {
    const a = e.args;
    await db.insert(accessRequest).values({
      id: eventId(e),
      requester: checksummed(a.requester),
      nonce: a.nonce,
      consentId: a.consentId,
      requestHash: a.requestHash,
      records: a.records,
      ...position(e),
    });
  },
};
