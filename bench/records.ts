import { randomBytes } from "node:crypto";

import { hexlify, ZeroHash } from "ethers";

import { admit, deployConsortium } from "../test/helpers/consortium.js";
import { deployRecordRegistry } from "../test/helpers/records.js";
import { buildBatch, recordLeaf, subjectOfAccount } from "../src/records/merkle.js";
import { contractRequest, signAccessRequest } from "../src/records/access-request.js";
import {
  consentIdOf,
  PURPOSES,
  recordsDomain,
  signConsent,
  signRevocation,
  type ConsentTerms,
} from "../src/records/consent.js";
import { consentFileOf, newRecordsScope, scopeProofOf, scopeRootOf } from "../src/records/consent-file.js";
import { CATEGORIES } from "../src/records/categories.js";
import { gasOf } from "./measure.js";
import type { Bench } from "./types.js";

const random32 = (): string => hexlify(randomBytes(32));

/**
 * Gas of the RecordRegistry writes, measured as whole-transaction gasUsed. A member's first anchor
 * costs the same as its later ones: records keep no member index (the issuer is part of the key).
 */
export const recordsBench: Bench = async ({ ethers, networkHelpers }) => {
  const fx = await deployConsortium(ethers);
  const [hospitalA, hospitalB, regulator, patientSigner] = fx.spare as [
    (typeof fx.spare)[0],
    (typeof fx.spare)[0],
    (typeof fx.spare)[0],
    (typeof fx.spare)[0],
  ];
  const memberA = await admit(fx, "BENCH-REC-A", ["Hospital"], hospitalA);
  const memberB = await admit(fx, "BENCH-REC-B", ["Hospital"], hospitalB);
  await admit(fx, "BENCH-REC-REG", ["Regulator"], regulator);
  const records = await deployRecordRegistry(ethers, await fx.registry.getAddress());
  const domain = recordsDomain((await ethers.provider.getNetwork()).chainId, await records.getAddress());
  const obs = CATEGORIES.observation;
  const subject = subjectOfAccount(patientSigner.address);

  const commitment = random32();
  const leaf = recordLeaf(subject, commitment);
  const anchor = await gasOf(records.connect(hospitalA).anchor(leaf, obs));

  const values = Array.from({ length: 1000 }, (): [string, string] => [random32(), random32()]);
  for (let i = 500; i < 510; i++) values[i] = [subject, random32()]; // ten of the patient's records
  const batch = buildBatch(values);
  const anchorBatch = await gasOf(records.connect(hospitalA).anchorBatch(batch.root, 1000, obs));

  const now = BigInt(await networkHelpers.time.latest());
  const terms: ConsentTerms = {
    patient: patientSigner.address,
    custodian: memberA,
    grantee: memberB,
    purpose: PURPOSES.TREAT,
    categories: 1n << BigInt(obs),
    recordsRoot: ZeroHash,
    validFrom: now,
    validUntil: now + 30n * 86400n,
    nonce: 1n,
  };
  const deadline = now + 3600n;
  const grant = async (t: ConsentTerms) =>
    gasOf(records.connect(hospitalB).grantConsent(t, deadline, await signConsent(patientSigner, domain, t, deadline)));
  const grantConsent = await grant(terms);
  const access = await gasOf(records.connect(hospitalB).access(terms, commitment, ZeroHash, [], ZeroHash, [], 1));
  const accessBatched = await gasOf(
    records.connect(hospitalB).access(terms, values[500]![1], batch.root, batch.proofs[500]!, ZeroHash, [], 1),
  );

  // A consent to 20 specific records (the 1,000-record batch's one plus 19 more of the patient).
  const scope = newRecordsScope([values[500]![1], ...Array.from({ length: 19 }, random32)]);
  const scoped: ConsentTerms = {
    ...terms,
    categories: 0n,
    recordsRoot: scopeRootOf(patientSigner.address, scope),
    nonce: 2n,
  };
  await grant(scoped);
  const scopeProof = scopeProofOf(consentFileOf(scoped, scope, 0n, ZeroHash), values[500]![1]);
  const accessScoped = await gasOf(
    records
      .connect(hospitalB)
      .access(scoped, values[500]![1], batch.root, batch.proofs[500]!, scopeProof.blind, scopeProof.proof, 1),
  );

  // The gateway's audit of grantees' signed requests (`accessByRequests`, submitted by the custodian).
  let nonce = 0n;
  const signed = async (reads: Array<{ commitment: string; batchRoot: string; batchProof: string[] }>) => {
    const request = {
      requester: hospitalB.address,
      consentId: consentIdOf(terms),
      purpose: PURPOSES.TREAT,
      requestHash: random32(),
      nonce: nonce++,
      deadline,
    };
    const full = reads.map((r) => ({ ...r, scopeBlind: ZeroHash, scopeProof: [] as string[] }));
    return {
      terms,
      reads: full,
      request: contractRequest(request),
      signature: await signAccessRequest(hospitalB, domain, request),
    };
  };
  const alone = { commitment, batchRoot: ZeroHash, batchProof: [] as string[] };
  const custodian = records.connect(hospitalA);
  // The first nonce of a word of 256 writes a fresh slot; the next 255 update it.
  const byRequestFresh = await gasOf(custodian.accessByRequests([await signed([alone])]));
  const byRequest = await gasOf(custodian.accessByRequests([await signed([alone])]));
  const tenReads = Array.from({ length: 10 }, (_, i) => ({
    commitment: values[500 + i]![1],
    batchRoot: batch.root,
    batchProof: batch.proofs[500 + i]!,
  }));
  const byRequest10 = await gasOf(custodian.accessByRequests([await signed(tenReads)]));
  const twenty = [];
  for (let i = 0; i < 20; i++) twenty.push(await signed([alone]));
  const batch20 = (await gasOf(custodian.accessByRequests(twenty))) / 20n;

  const breakGlass = await gasOf(records.connect(hospitalB).breakGlass(memberA, subject, commitment, ZeroHash, [], 1));
  const markReviewed = await gasOf(records.connect(regulator).markReviewed(1));
  const revokeSig = await signRevocation(patientSigner, domain, terms, deadline);
  const revokeConsent = await gasOf(records.connect(hospitalB).revokeConsent(terms, deadline, revokeSig));
  const retract = await gasOf(records.connect(hospitalA).retract(leaf, ZeroHash, []));

  return [
    { operation: "records.anchor", gas: anchor, target: 56_000n },
    { operation: "records.anchorBatch.1000", gas: anchorBatch, target: 60_000n },
    { operation: "records.grantConsent", gas: grantConsent, target: 110_000n },
    { operation: "records.revokeConsent", gas: revokeConsent },
    { operation: "records.access", gas: access },
    { operation: "records.access.batched1000", gas: accessBatched },
    { operation: "records.access.scoped20.batched1000", gas: accessScoped },
    { operation: "records.accessByRequests.1", gas: byRequest },
    { operation: "records.accessByRequests.1.freshNonceWord", gas: byRequestFresh },
    { operation: "records.accessByRequests.1.10reads.batched1000", gas: byRequest10 },
    { operation: "records.accessByRequests.20 (per request)", gas: batch20 },
    { operation: "records.breakGlass", gas: breakGlass },
    { operation: "records.markReviewed", gas: markReviewed },
    { operation: "records.retract", gas: retract },
  ];
};
