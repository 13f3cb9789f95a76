import { randomBytes } from "node:crypto";

import { hexlify } from "ethers";

import { admit, deployConsortium } from "../test/helpers/consortium.js";
import { buildBatch } from "../src/records/merkle.js";
import { PURPOSES, recordsDomain, signConsent, signRevocation, type ConsentTerms } from "../src/records/consent.js";
import { CATEGORIES } from "../src/records/categories.js";
import { gasOf } from "./measure.js";
import type { Bench } from "./types.js";

const random32 = (): string => hexlify(randomBytes(32));

/**
 * Gas of the RecordRegistry writes, each in the steady state of a hospital that anchored before
 * (its records-local member index exists), measured as whole-transaction gasUsed.
 */
export const recordsBench: Bench = async ({ ethers, networkHelpers }) => {
  const fx = await deployConsortium(ethers);
  const [hospitalA, hospitalB, regulator, patientSigner] = fx.spare as [
    (typeof fx.spare)[0],
    (typeof fx.spare)[0],
    (typeof fx.spare)[0],
    (typeof fx.spare)[0],
  ];
  await admit(fx, "BENCH-REC-A", ["Hospital"], hospitalA);
  const memberB = await admit(fx, "BENCH-REC-B", ["Hospital"], hospitalB);
  await admit(fx, "BENCH-REC-REG", ["Regulator"], regulator);
  const records = await ethers.deployContract("RecordRegistry", [await fx.registry.getAddress()]);
  const domain = recordsDomain((await ethers.provider.getNetwork()).chainId, await records.getAddress());
  const obs = CATEGORIES.observation;

  // Warm-up: the member's first anchor also writes its records-local index (once per member).
  await gasOf(records.connect(hospitalA).anchor(random32(), obs));
  const first = random32();
  const anchor = await gasOf(records.connect(hospitalA).anchor(first, obs));

  const batch = buildBatch(Array.from({ length: 1000 }, random32));
  const anchorBatch = await gasOf(records.connect(hospitalA).anchorBatch(batch.root, 1000, obs));

  const now = BigInt(await networkHelpers.time.latest());
  const terms: ConsentTerms = {
    patient: patientSigner.address,
    grantee: memberB,
    purpose: PURPOSES.TREAT,
    categories: 1n << BigInt(obs),
    recordsRoot: ethers.ZeroHash,
    validFrom: now,
    validUntil: now + 30n * 86400n,
    nonce: 1n,
  };
  const deadline = now + 3600n;
  const grantSig = await signConsent(patientSigner, domain, terms, deadline);
  const grantConsent = await gasOf(records.connect(hospitalB).grantConsent(terms, deadline, grantSig));
  const access = await gasOf(records.connect(hospitalB).access(terms, first, 0, [], [], PURPOSES.TREAT));
  const breakGlass = await gasOf(records.connect(hospitalB).breakGlass(first, 0, [], 1));
  const markReviewed = await gasOf(records.connect(regulator).markReviewed(1));
  const revokeSig = await signRevocation(patientSigner, domain, terms, deadline);
  const revokeConsent = await gasOf(records.connect(hospitalB).revokeConsent(terms, deadline, revokeSig));

  return [
    { operation: "records.anchor", gas: anchor, target: 50_000n },
    { operation: "records.anchorBatch.1000", gas: anchorBatch, target: 60_000n },
    { operation: "records.grantConsent", gas: grantConsent, target: 110_000n },
    { operation: "records.revokeConsent", gas: revokeConsent },
    { operation: "records.access", gas: access },
    { operation: "records.breakGlass", gas: breakGlass },
    { operation: "records.markReviewed", gas: markReviewed },
  ];
};
