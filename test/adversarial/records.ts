import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { network } from "hardhat";
import { Wallet, ZeroHash } from "ethers";

import { deployRecords, leafFor, now, patientsFor, rejection, treatTerms } from "../records/fixture.js";
import { leafOfBytes32, leafOfPair } from "../../src/chain/merkle-leaf.js";
import { recordAccess } from "../../src/records/access.js";
import { anchorRecords, planAnchors } from "../../src/records/anchor.js";
import { CATEGORIES } from "../../src/records/categories.js";
import { PURPOSES, signConsent } from "../../src/records/consent.js";
import { consentFileOf, newRecordsScope, scopeProofOf, scopeRootOf } from "../../src/records/consent-file.js";
import { loadRecords } from "../../src/records/input.js";
import { buildBatch, recordLeaf, subjectOfAccount, type LeafValue } from "../../src/records/merkle.js";
import { readProof } from "../../src/records/proof.js";
import { addAccountWithProof } from "../helpers/consortium.js";

const { ethers, networkHelpers } = await network.create();

const OBS = CATEGORIES.observation;
const Status = { Unknown: 0n, Active: 1n, Superseded: 2n, Retracted: 3n };
const c = (label: string): string => ethers.id(`adversarial commitment:${label}`);

/**
 * Attacks on the records module (issue 8, points 1-6, and more found on the way): each one worked on
 * f3bfe51 (where a record was keyed by its bare commitment, a consent named any account and any
 * commitments, and the scope proof's siblings were plain commitment leaves) and is stopped now.
 */
describe("adversarial: records", function () {
  async function recordsFixture() {
    return deployRecords(ethers);
  }

  /** Hospital A's record of the patient, anchored in a batch with two other records. */
  async function victimBatch() {
    const fx = await networkHelpers.loadFixture(recordsFixture);
    const p = fx.patientAtA.address;
    const values: LeafValue[] = ["x", "y", "z"].map((l) => [subjectOfAccount(p), c(l)]);
    const batch = buildBatch(values);
    await fx.records.connect(fx.hospitalA).anchorBatch(batch.root, 3, OBS);
    const leaf = leafFor(p, c("x"));
    return { ...fx, p, batch, leaf };
  }

  describe("only a record's issuer changes its status (point 1)", function () {
    it("stops a member retracting another member's record through a batch of its own", async function () {
      const fx = await victimBatch();
      // The attacker builds a batch holding the victim's leaf (leaves show in access and claim calldata).
      const own = buildBatch([
        [subjectOfAccount(fx.p), c("x")],
        [subjectOfAccount(fx.p), c("attacker's filler")],
      ]);
      await fx.records.connect(fx.hospitalB).anchorBatch(own.root, 2, OBS);
      await fx.records.connect(fx.hospitalB).retract(fx.leaf, own.root, own.proofs[0]!);
      // Its retraction landed under its own key only: the victim's record is untouched.
      expect(
        (await fx.records.recordStatus(fx.ids.hospitalA, fx.leaf, fx.batch.root, fx.batch.proofs[0]!))[1],
      ).to.equal(Status.Active);
      await expect(fx.records.connect(fx.hospitalA).retract(fx.leaf, fx.batch.root, fx.batch.proofs[0]!))
        .to.emit(fx.records, "RecordRetracted")
        .withArgs(fx.ids.hospitalA, fx.leaf, fx.batch.root);
    });

    it("stops a member amending another member's record through a batch of its own", async function () {
      const fx = await victimBatch();
      const own = buildBatch([
        [subjectOfAccount(fx.p), c("x")],
        [subjectOfAccount(fx.p), c("filler")],
      ]);
      await fx.records.connect(fx.hospitalB).anchorBatch(own.root, 2, OBS);
      await fx.records.connect(fx.hospitalB).amend(fx.leaf, own.root, own.proofs[0]!, leafFor(fx.p, c("forged")), OBS);
      expect(
        (await fx.records.recordStatus(fx.ids.hospitalA, fx.leaf, fx.batch.root, fx.batch.proofs[0]!))[1],
      ).to.equal(Status.Active);
      expect(await fx.records.supersededBy(fx.ids.hospitalA, fx.leaf)).to.equal(ZeroHash);
    });

    it("stops a member retracting a record through the issuer's own batch", async function () {
      const fx = await victimBatch();
      await expect(fx.records.connect(fx.hospitalB).retract(fx.leaf, fx.batch.root, fx.batch.proofs[0]!))
        .to.be.revertedWithCustomError(fx.records, "RecordsNotAnchored")
        .withArgs(fx.ids.hospitalB, fx.leaf, fx.batch.root);
    });
  });

  describe("a consent reaches only the consenting patient's records (point 2)", function () {
    it("stops a grantee reaching a patient's records with a category consent from an account it made up", async function () {
      const fx = await victimBatch();
      const madeUp = Wallet.createRandom();
      const terms = treatTerms(madeUp.address, fx.ids.hospitalA, fx.ids.hospitalB, await now(networkHelpers));
      await fx.records.grantConsent(
        terms,
        terms.validUntil,
        await signConsent(madeUp, fx.domain, terms, terms.validUntil),
      );
      await expect(
        fx.records
          .connect(fx.hospitalB)
          .access(terms, c("x"), fx.batch.root, fx.batch.proofs[0]!, ZeroHash, [], PURPOSES.TREAT),
      )
        .to.be.revertedWithCustomError(fx.records, "RecordsNotAnchored")
        .withArgs(fx.ids.hospitalA, leafFor(madeUp.address, c("x")), fx.batch.root);
    });

    it("stops a grantee naming another patient's commitments in a records scope from an account it made up", async function () {
      const fx = await victimBatch();
      const madeUp = Wallet.createRandom();
      const scope = newRecordsScope([c("x"), c("y")]);
      const terms = treatTerms(madeUp.address, fx.ids.hospitalA, fx.ids.hospitalB, await now(networkHelpers), {
        categories: 0n,
        recordsRoot: scopeRootOf(madeUp.address, scope),
      });
      await fx.records.grantConsent(
        terms,
        terms.validUntil,
        await signConsent(madeUp, fx.domain, terms, terms.validUntil),
      );
      const { blind, proof } = scopeProofOf(consentFileOf(terms, scope, 0n, ethers.ZeroAddress), c("x"));
      await expect(
        fx.records
          .connect(fx.hospitalB)
          .access(terms, c("x"), fx.batch.root, fx.batch.proofs[0]!, blind, proof, PURPOSES.TREAT),
      ).to.be.revertedWithCustomError(fx.records, "RecordsNotAnchored");
    });

    it("stops a patient's consent for one custodian reaching the same patient's records at another", async function () {
      const fx = await victimBatch();
      // The lab holds a record bound to the patient's account at A (say the patient reused it there).
      await fx.records.connect(fx.lab).anchor(leafFor(fx.p, c("at the lab")), OBS);
      const terms = treatTerms(fx.p, fx.ids.hospitalA, fx.ids.hospitalB, await now(networkHelpers));
      await fx.records.grantConsent(
        terms,
        terms.validUntil,
        await signConsent(fx.patientAtA, fx.domain, terms, terms.validUntil),
      );
      await expect(
        fx.records.connect(fx.hospitalB).access(terms, c("at the lab"), ZeroHash, [], ZeroHash, [], PURPOSES.TREAT),
      )
        .to.be.revertedWithCustomError(fx.records, "RecordsNotAnchored")
        .withArgs(fx.ids.hospitalA, leafFor(fx.p, c("at the lab")), ZeroHash);
    });

    it("stops a grantee moving a patient's signed consent to another custodian", async function () {
      const fx = await victimBatch();
      const terms = treatTerms(fx.p, fx.ids.hospitalA, fx.ids.hospitalB, await now(networkHelpers));
      const sig = await signConsent(fx.patientAtA, fx.domain, terms, terms.validUntil);
      const moved = { ...terms, custodian: fx.ids.lab };
      await expect(fx.records.grantConsent(moved, terms.validUntil, sig))
        .to.be.revertedWithCustomError(fx.records, "RecordsInvalidSignature")
        .withArgs(fx.p);
    });
  });

  describe("one record has one status (point 3)", function () {
    it("stops a record retracted alone from staying active (and billable) through a batch", async function () {
      const fx = await victimBatch();
      await fx.records.connect(fx.hospitalA).anchor(fx.leaf, OBS);
      await fx.records.connect(fx.hospitalA).retract(fx.leaf, ZeroHash, []);
      expect(
        (await fx.records.recordStatus(fx.ids.hospitalA, fx.leaf, fx.batch.root, fx.batch.proofs[0]!))[1],
      ).to.equal(Status.Retracted);
    });

    it("stops a record retracted in a batch from coming back active by anchoring it alone", async function () {
      const fx = await victimBatch();
      await fx.records.connect(fx.hospitalA).retract(fx.leaf, fx.batch.root, fx.batch.proofs[0]!);
      await expect(fx.records.connect(fx.hospitalA).anchor(fx.leaf, OBS))
        .to.be.revertedWithCustomError(fx.records, "RecordsAlreadyAnchored")
        .withArgs(fx.ids.hospitalA, fx.leaf);
      // ... or through a second batch of the same issuer.
      const again = buildBatch([
        [subjectOfAccount(fx.p), c("x")],
        [subjectOfAccount(fx.p), c("w")],
      ]);
      await fx.records.connect(fx.hospitalA).anchorBatch(again.root, 2, OBS);
      expect((await fx.records.recordStatus(fx.ids.hospitalA, fx.leaf, again.root, again.proofs[0]!))[1]).to.equal(
        Status.Retracted,
      );
    });
  });

  describe("anchoring is bound to the anchoring member (point 4)", function () {
    it("stops a front-runner becoming the issuer of a leaf it copied, or blocking the real issuer", async function () {
      const fx = await networkHelpers.loadFixture(recordsFixture);
      const leaf = leafFor(fx.patientAtA.address, c("in the mempool"));
      await fx.records.connect(fx.hospitalB).anchor(leaf, OBS);
      await expect(fx.records.connect(fx.hospitalA).anchor(leaf, OBS))
        .to.emit(fx.records, "RecordAnchored")
        .withArgs(leaf, fx.ids.hospitalA, OBS);
      // The copy is the front-runner's own; retracting it leaves the real record active.
      await fx.records.connect(fx.hospitalB).retract(leaf, ZeroHash, []);
      expect((await fx.records.recordStatus(fx.ids.hospitalA, leaf, ZeroHash, []))[1]).to.equal(Status.Active);
      await fx.records.connect(fx.hospitalA).retract(leaf, ZeroHash, []);
    });

    it("stops a front-runner taking a batch root it saw in the mempool", async function () {
      const fx = await networkHelpers.loadFixture(recordsFixture);
      const batch = buildBatch([
        [subjectOfAccount(fx.patientAtA.address), c("1")],
        [subjectOfAccount(fx.patientAtA.address), c("2")],
      ]);
      await fx.records.connect(fx.hospitalB).anchorBatch(batch.root, 2, OBS);
      await expect(fx.records.connect(fx.hospitalA).anchorBatch(batch.root, 2, OBS))
        .to.emit(fx.records, "RecordBatchAnchored")
        .withArgs(fx.ids.hospitalA, batch.root, OBS, 2);
      await fx.records
        .connect(fx.hospitalA)
        .retract(leafFor(fx.patientAtA.address, c("1")), batch.root, batch.proofs[0]!);
    });

    it("stops the SDK's resume from taking another member's anchor of its leaves as done", async function () {
      const fx = await networkHelpers.loadFixture(recordsFixture);
      const dir = await mkdtemp(path.join(tmpdir(), "medchain-adversarial-"));
      try {
        const inputs = await loadRecords(path.resolve("test/fixtures/records/visit"));
        const opts = {
          chainId: (await ethers.provider.getNetwork()).chainId,
          registryAddress: await fx.records.getAddress(),
          patients: patientsFor(fx.patientAtA.address),
          outDir: dir,
          salts: { kind: "random" as const },
        };
        const plan = await planAnchors(fx.ids.hospitalA, inputs, opts);
        for (const step of plan.steps) {
          if (step.kind === "single") await fx.records.connect(fx.hospitalB).anchor(step.root, step.category);
          else await fx.records.connect(fx.hospitalB).anchorBatch(step.root, step.count, step.category);
        }
        const result = await anchorRecords(fx.records.connect(fx.hospitalA), inputs, opts);
        expect([result.sent, result.skipped]).to.deep.equal([plan.steps.length, 0]);
        const proof = await readProof(result.proofs[0]!);
        const leaf = recordLeaf(proof.record.subject, proof.record.commitment);
        expect(
          (await fx.records.recordStatus(fx.ids.hospitalA, leaf, proof.record.batchRoot, proof.record.proof))[1],
        ).to.equal(Status.Active);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });

  describe("nobody reviews their own break-glass access (point 5)", function () {
    it("stops a member that is both Hospital and Regulator reviewing its own break-glass access", async function () {
      const fx = await victimBatch();
      await fx.records
        .connect(fx.hospitalRegulator)
        .breakGlass(fx.ids.hospitalA, subjectOfAccount(fx.p), c("x"), fx.batch.root, fx.batch.proofs[0]!, 1);
      await expect(fx.records.connect(fx.hospitalRegulator).markReviewed(1))
        .to.be.revertedWithCustomError(fx.records, "RecordsSelfReview")
        .withArgs(1n, fx.ids.hospitalRegulator);
      expect((await fx.records.getBreakGlass(1)).reviewed).to.equal(false);
    });

    it("stops that member reviewing it from another of its accounts", async function () {
      const fx = await victimBatch();
      await fx.records
        .connect(fx.hospitalRegulator)
        .breakGlass(fx.ids.hospitalA, subjectOfAccount(fx.p), c("x"), fx.batch.root, fx.batch.proofs[0]!, 1);
      const second = fx.outsider;
      await addAccountWithProof(fx.registry, fx.hospitalRegulator, second);
      await expect(fx.records.connect(second).markReviewed(1))
        .to.be.revertedWithCustomError(fx.records, "RecordsSelfReview")
        .withArgs(1n, fx.ids.hospitalRegulator);
    });
  });

  describe("an access reveals only what was read (point 6)", function () {
    it("stops an observer finding unread in-scope records by hashing anchored records into the scope proof's siblings", async function () {
      const fx = await victimBatch();
      const p = fx.p;
      const scope = newRecordsScope([c("x"), c("y")]);
      const terms = treatTerms(p, fx.ids.hospitalA, fx.ids.hospitalB, await now(networkHelpers), {
        categories: 0n,
        recordsRoot: scopeRootOf(p, scope),
      });
      await fx.records.grantConsent(
        terms,
        terms.validUntil,
        await signConsent(fx.patientAtA, fx.domain, terms, terms.validUntil),
      );
      const consent = consentFileOf(
        terms,
        scope,
        (await ethers.provider.getNetwork()).chainId,
        await fx.records.getAddress(),
      );
      const { blind, proof } = scopeProofOf(consent, c("x"));
      const tx = await fx.records
        .connect(fx.hospitalB)
        .access(terms, c("x"), fx.batch.root, fx.batch.proofs[0]!, blind, proof, PURPOSES.TREAT);
      const sent = fx.records.interface.parseTransaction({ data: tx.data })!;
      const siblings = (sent.args.scopeProof as string[]).map((s) => s.toLowerCase());
      // On f3bfe51 the unread record's scope leaf was keccak(keccak(commitment)): one hash per anchored
      // commitment found it. Now neither that, nor its record leaf, nor any blinding the observer can
      // try (every word of the transaction) gives a sibling.
      const unread = leafFor(p, c("y"));
      expect(siblings).to.not.include(leafOfBytes32(c("y")));
      expect(siblings).to.not.include(unread);
      const seen = [...(sent.args.batchProof as string[]), blind, c("x"), terms.recordsRoot, fx.batch.root];
      for (const word of seen) expect(siblings).to.not.include(leafOfPair(word, unread).toLowerCase());
    });
  });

  describe("attacks the issue does not list", function () {
    it("stops a consent reaching a record's billing documentation leaf (its subject is no account)", async function () {
      const fx = await networkHelpers.loadFixture(recordsFixture);
      const billingRef = ethers.id("insurer-card patient reference");
      await fx.records.connect(fx.hospitalA).anchor(leafOfPair(billingRef, c("doc")), OBS);
      const terms = treatTerms(fx.patientAtA.address, fx.ids.hospitalA, fx.ids.hospitalB, await now(networkHelpers));
      await fx.records.grantConsent(
        terms,
        terms.validUntil,
        await signConsent(fx.patientAtA, fx.domain, terms, terms.validUntil),
      );
      await expect(
        fx.records.connect(fx.hospitalB).access(terms, c("doc"), ZeroHash, [], ZeroHash, [], PURPOSES.TREAT),
      ).to.be.revertedWithCustomError(fx.records, "RecordsNotAnchored");
    });

    it("stops a grantee reaching a record through the custodian's batch proof with another patient's commitment", async function () {
      const fx = await victimBatch();
      // The patient at A consents; the grantee asks for a commitment of the same batch bound to
      // another patient (the batch mixes patients).
      const other = Wallet.createRandom().address;
      const mixed = buildBatch([
        [subjectOfAccount(fx.p), c("mine")],
        [subjectOfAccount(other), c("theirs")],
      ]);
      await fx.records.connect(fx.hospitalA).anchorBatch(mixed.root, 2, OBS);
      const terms = treatTerms(fx.p, fx.ids.hospitalA, fx.ids.hospitalB, await now(networkHelpers));
      await fx.records.grantConsent(
        terms,
        terms.validUntil,
        await signConsent(fx.patientAtA, fx.domain, terms, terms.validUntil),
      );
      await expect(
        fx.records
          .connect(fx.hospitalB)
          .access(terms, c("theirs"), mixed.root, mixed.proofs[1]!, ZeroHash, [], PURPOSES.TREAT),
      ).to.be.revertedWithCustomError(fx.records, "RecordsNotAnchored");
    });

    it("stops the SDK sending an access to a record the consent cannot reach", async function () {
      const fx = await victimBatch();
      const dir = await mkdtemp(path.join(tmpdir(), "medchain-adversarial-"));
      try {
        // The lab anchors a record of the same person bound to her account at the lab.
        const result = await anchorRecords(
          fx.records.connect(fx.lab),
          await loadRecords(path.resolve("test/fixtures/records/visit/encounter.json")),
          {
            chainId: (await ethers.provider.getNetwork()).chainId,
            registryAddress: await fx.records.getAddress(),
            patients: patientsFor(fx.patientAtA.address),
            outDir: dir,
            salts: { kind: "random" },
          },
        );
        const terms = treatTerms(fx.p, fx.ids.hospitalA, fx.ids.hospitalB, await now(networkHelpers));
        const consent = consentFileOf(terms, undefined, 0n, ethers.ZeroAddress);
        const before = await ethers.provider.getTransactionCount(fx.hospitalB.address);
        await rejection(
          recordAccess(fx.records.connect(fx.hospitalB), consent, await readProof(result.proofs[0]!), PURPOSES.TREAT, {
            consent: "c.json",
            proof: "p.json",
          }),
          `p.json: issuer: the record was anchored by ${fx.ids.lab}, not by the custodian ${fx.ids.hospitalA}`,
        );
        expect(await ethers.provider.getTransactionCount(fx.hospitalB.address)).to.equal(before);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it("stops a break-glass entry naming as issuer a member that never anchored the record", async function () {
      const fx = await victimBatch();
      // The attacker's copy of the leaf does not make an access to "A's record" loggable under B.
      await fx.records.connect(fx.hospitalB).anchor(leafFor(fx.p, c("copy")), OBS);
      await expect(
        fx.records
          .connect(fx.hospitalB)
          .breakGlass(fx.ids.hospitalA, subjectOfAccount(fx.p), c("copy"), ZeroHash, [], 1),
      )
        .to.be.revertedWithCustomError(fx.records, "RecordsNotAnchored")
        .withArgs(fx.ids.hospitalA, leafFor(fx.p, c("copy")), ZeroHash);
    });
  });
});
