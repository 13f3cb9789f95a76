import { expect } from "chai";
import { network } from "hardhat";
import { Wallet } from "ethers";

import { deployRecords, DAY, now, treatTerms } from "./fixture.js";
import { buildBatch } from "../../src/records/merkle.js";
import {
  consentIdOf,
  PURPOSES,
  recordsDomain,
  signConsent,
  signGuardian,
  signRevocation,
} from "../../src/records/consent.js";
import { CATEGORIES } from "../../src/records/categories.js";
import { MODULE_IDS } from "../../src/consortium/kinds.js";

const { ethers, networkHelpers } = await network.create();

const OBS = CATEGORIES.observation;
const ENC = CATEGORIES.encounter;
const ANCHOR_KINDS = 1 | 2;
const ALL_KINDS = 0x7f;
const Status = { Unknown: 0n, Active: 1n, Superseded: 2n, Retracted: 3n };
const c = (label: string): string => ethers.id(`commitment:${label}`);

describe("RecordRegistry", function () {
  async function recordsFixture() {
    return deployRecords(ethers);
  }

  async function pause(fx: Awaited<ReturnType<typeof recordsFixture>>) {
    await fx.registry.connect(fx.governors[0]!).pauseModule(MODULE_IDS.records);
  }

  describe("anchoring one record", function () {
    it("binds the hospital, the time and the category, and reports the record active", async function () {
      const { records, hospitalA, ids } = await networkHelpers.loadFixture(recordsFixture);
      await expect(records.connect(hospitalA).anchor(c("a"), OBS))
        .to.emit(records, "RecordAnchored")
        .withArgs(c("a"), ids.hospitalA, OBS);
      const [memberId, anchoredAt, status] = await records.getFunction("recordStatus(bytes32,uint256,bytes32[])")(c("a"), 0, []);
      expect(memberId).to.equal(ids.hospitalA);
      expect(anchoredAt).to.equal(await networkHelpers.time.latest());
      expect(status).to.equal(Status.Active);
      const stored = await records.getRecord(c("a"));
      expect(stored.category).to.equal(BigInt(OBS));
      expect(await records.memberAt(stored.anchorer)).to.equal(ids.hospitalA);
    });

    it("lets a laboratory anchor too", async function () {
      const { records, lab, ids } = await networkHelpers.loadFixture(recordsFixture);
      await records.connect(lab).anchor(c("lab"), OBS);
      expect((await records.getFunction("recordStatus(bytes32,uint256,bytes32[])")(c("lab"), 0, []))[0]).to.equal(ids.lab);
    });

    it("reports a never-anchored commitment as unknown", async function () {
      const { records } = await networkHelpers.loadFixture(recordsFixture);
      expect(await records.getFunction("recordStatus(bytes32,uint256,bytes32[])")(c("nothing"), 0, [])).to.deep.equal([ethers.ZeroHash, 0n, Status.Unknown]);
    });

    it("refuses an outsider and an insurer", async function () {
      const { records, outsider, insurer } = await networkHelpers.loadFixture(recordsFixture);
      await expect(records.connect(outsider).anchor(c("a"), OBS))
        .to.be.revertedWithCustomError(records, "ConsortiumGuardedUnauthorized")
        .withArgs(outsider.address, ANCHOR_KINDS);
      await expect(records.connect(insurer).anchor(c("a"), OBS))
        .to.be.revertedWithCustomError(records, "ConsortiumGuardedUnauthorized")
        .withArgs(insurer.address, ANCHOR_KINDS);
    });

    it("refuses a zero commitment", async function () {
      const { records, hospitalA } = await networkHelpers.loadFixture(recordsFixture);
      await expect(records.connect(hospitalA).anchor(ethers.ZeroHash, OBS)).to.be.revertedWithCustomError(
        records,
        "RecordsZeroCommitment",
      );
    });

    it("refuses the same commitment twice, even from another hospital", async function () {
      const { records, hospitalA, hospitalB } = await networkHelpers.loadFixture(recordsFixture);
      await records.connect(hospitalA).anchor(c("a"), OBS);
      await expect(records.connect(hospitalB).anchor(c("a"), OBS))
        .to.be.revertedWithCustomError(records, "RecordsAlreadyAnchored")
        .withArgs(c("a"));
    });

    it("refuses to anchor while the consortium has the module paused", async function () {
      const fx = await networkHelpers.loadFixture(recordsFixture);
      await pause(fx);
      await expect(fx.records.connect(fx.hospitalA).anchor(c("a"), OBS))
        .to.be.revertedWithCustomError(fx.records, "ConsortiumGuardedPaused")
        .withArgs(MODULE_IDS.records);
      await expect(fx.records.connect(fx.hospitalA).anchorBatch(c("root"), 1, OBS))
        .to.be.revertedWithCustomError(fx.records, "ConsortiumGuardedPaused")
        .withArgs(MODULE_IDS.records);
    });
  });

  describe("anchoring a batch", function () {
    it("anchors a Merkle root whose id is the root, and verifies each member with its proof", async function () {
      const { records, hospitalA, ids } = await networkHelpers.loadFixture(recordsFixture);
      const leaves = [c("1"), c("2"), c("3")];
      const batch = buildBatch(leaves);
      await expect(records.connect(hospitalA).anchorBatch(batch.root, 3, OBS))
        .to.emit(records, "RecordBatchAnchored")
        .withArgs(BigInt(batch.root), ids.hospitalA, OBS, 3);
      const t = BigInt(await networkHelpers.time.latest());
      for (const [i, leaf] of leaves.entries()) {
        expect(await records.getFunction("recordStatus(bytes32,uint256,bytes32[])")(leaf, batch.root, batch.proofs[i]!)).to.deep.equal([
          ids.hospitalA,
          t,
          Status.Active,
        ]);
      }
      const stored = await records.getBatch(batch.root);
      expect([stored.count, stored.category]).to.deep.equal([3n, BigInt(OBS)]);
    });

    it("reports a record as unknown with a wrong proof, an unknown batch or without its batch", async function () {
      const { records, hospitalA } = await networkHelpers.loadFixture(recordsFixture);
      const batch = buildBatch([c("1"), c("2"), c("3")]);
      await records.connect(hospitalA).anchorBatch(batch.root, 3, OBS);
      expect((await records.getFunction("recordStatus(bytes32,uint256,bytes32[])")(c("1"), batch.root, batch.proofs[1]!))[2]).to.equal(Status.Unknown);
      expect((await records.getFunction("recordStatus(bytes32,uint256,bytes32[])")(c("1"), c("other root"), batch.proofs[0]!))[2]).to.equal(Status.Unknown);
      expect((await records.getFunction("recordStatus(bytes32,uint256,bytes32[])")(c("1"), 0, []))[2]).to.equal(Status.Unknown);
    });

    it("refuses a zero root, an empty batch and the same root twice", async function () {
      const { records, hospitalA, hospitalB } = await networkHelpers.loadFixture(recordsFixture);
      await expect(records.connect(hospitalA).anchorBatch(ethers.ZeroHash, 1, OBS)).to.be.revertedWithCustomError(
        records,
        "RecordsZeroCommitment",
      );
      await expect(records.connect(hospitalA).anchorBatch(c("root"), 0, OBS)).to.be.revertedWithCustomError(
        records,
        "RecordsEmptyBatch",
      );
      await records.connect(hospitalA).anchorBatch(c("root"), 2, OBS);
      await expect(records.connect(hospitalB).anchorBatch(c("root"), 2, OBS))
        .to.be.revertedWithCustomError(records, "RecordsBatchExists")
        .withArgs(BigInt(c("root")));
    });

    it("refuses an outsider", async function () {
      const { records, outsider } = await networkHelpers.loadFixture(recordsFixture);
      await expect(records.connect(outsider).anchorBatch(c("root"), 1, OBS))
        .to.be.revertedWithCustomError(records, "ConsortiumGuardedUnauthorized")
        .withArgs(outsider.address, ANCHOR_KINDS);
    });
  });

  describe("amending and retracting", function () {
    it("supersedes a record with a new version, linked both ways", async function () {
      const { records, hospitalA, ids } = await networkHelpers.loadFixture(recordsFixture);
      await records.connect(hospitalA).anchor(c("v1"), OBS);
      await expect(records.connect(hospitalA).amend(c("v1"), 0, [], c("v2"), OBS))
        .to.emit(records, "RecordAmended")
        .withArgs(c("v1"), c("v2"), 0, ids.hospitalA, OBS);
      expect((await records.getFunction("recordStatus(bytes32,uint256,bytes32[])")(c("v1"), 0, []))[2]).to.equal(Status.Superseded);
      expect((await records.getFunction("recordStatus(bytes32,uint256,bytes32[])")(c("v2"), 0, []))[2]).to.equal(Status.Active);
      expect(await records.supersededBy(c("v1"))).to.equal(c("v2"));
      expect(await records.amendedFrom(c("v2"))).to.equal(c("v1"));
      expect((await records.getRecord(c("v1"))).changedAt).to.equal(await networkHelpers.time.latest());
    });

    it("amends and retracts records inside a batch when given their proof", async function () {
      const { records, hospitalA } = await networkHelpers.loadFixture(recordsFixture);
      const batch = buildBatch([c("1"), c("2"), c("3")]);
      await records.connect(hospitalA).anchorBatch(batch.root, 3, OBS);
      await expect(records.connect(hospitalA).amend(c("1"), batch.root, batch.proofs[0]!, c("1"), OBS))
        .to.be.revertedWithCustomError(records, "RecordsAlreadyAnchored")
        .withArgs(c("1"));
      await records.connect(hospitalA).amend(c("1"), batch.root, batch.proofs[0]!, c("1b"), OBS);
      await expect(records.connect(hospitalA).retract(c("2"), batch.root, batch.proofs[1]!)).to.emit(
        records,
        "RecordRetracted",
      );
      expect((await records.getFunction("recordStatus(bytes32,uint256,bytes32[])")(c("1"), batch.root, batch.proofs[0]!))[2]).to.equal(Status.Superseded);
      expect((await records.getFunction("recordStatus(bytes32,uint256,bytes32[])")(c("2"), batch.root, batch.proofs[1]!))[2]).to.equal(Status.Retracted);
      expect((await records.getFunction("recordStatus(bytes32,uint256,bytes32[])")(c("3"), batch.root, batch.proofs[2]!))[2]).to.equal(Status.Active);
      // the override alone does not make the batched record look anchored on its own
      expect((await records.getFunction("recordStatus(bytes32,uint256,bytes32[])")(c("2"), 0, []))[2]).to.equal(Status.Unknown);
      await expect(records.connect(hospitalA).anchor(c("2"), OBS))
        .to.be.revertedWithCustomError(records, "RecordsAlreadyAnchored")
        .withArgs(c("2"));
    });

    it("retracts a record entered in error", async function () {
      const { records, hospitalA, ids } = await networkHelpers.loadFixture(recordsFixture);
      await records.connect(hospitalA).anchor(c("a"), OBS);
      await expect(records.connect(hospitalA).retract(c("a"), 0, []))
        .to.emit(records, "RecordRetracted")
        .withArgs(c("a"), 0, ids.hospitalA);
      expect((await records.getFunction("recordStatus(bytes32,uint256,bytes32[])")(c("a"), 0, []))[2]).to.equal(Status.Retracted);
    });

    it("refuses amendment and retraction by another member than the issuer", async function () {
      const { records, hospitalA, hospitalB, ids } = await networkHelpers.loadFixture(recordsFixture);
      await records.connect(hospitalA).anchor(c("a"), OBS);
      await records.connect(hospitalB).anchor(c("b"), OBS);
      await expect(records.connect(hospitalB).amend(c("a"), 0, [], c("a2"), OBS))
        .to.be.revertedWithCustomError(records, "RecordsNotIssuer")
        .withArgs(c("a"), ids.hospitalB);
      await expect(records.connect(hospitalB).retract(c("a"), 0, []))
        .to.be.revertedWithCustomError(records, "RecordsNotIssuer")
        .withArgs(c("a"), ids.hospitalB);
    });

    it("refuses a member that never anchored anything as not the issuer", async function () {
      const { records, hospitalA, lab, ids } = await networkHelpers.loadFixture(recordsFixture);
      await records.connect(hospitalA).anchor(c("a"), OBS);
      await expect(records.connect(lab).retract(c("a"), 0, []))
        .to.be.revertedWithCustomError(records, "RecordsNotIssuer")
        .withArgs(c("a"), ids.lab);
    });

    it("refuses to change a record that is not anchored, or no longer active", async function () {
      const { records, hospitalA } = await networkHelpers.loadFixture(recordsFixture);
      await expect(records.connect(hospitalA).retract(c("x"), 0, []))
        .to.be.revertedWithCustomError(records, "RecordsNotAnchored")
        .withArgs(c("x"), 0);
      await records.connect(hospitalA).anchor(c("a"), OBS);
      await records.connect(hospitalA).retract(c("a"), 0, []);
      await expect(records.connect(hospitalA).retract(c("a"), 0, []))
        .to.be.revertedWithCustomError(records, "RecordsNotActive")
        .withArgs(c("a"), Status.Retracted);
      await expect(records.connect(hospitalA).amend(c("a"), 0, [], c("a2"), OBS))
        .to.be.revertedWithCustomError(records, "RecordsNotActive")
        .withArgs(c("a"), Status.Retracted);
    });

    it("refuses a new version that is zero or anchored already", async function () {
      const { records, hospitalA } = await networkHelpers.loadFixture(recordsFixture);
      await records.connect(hospitalA).anchor(c("a"), OBS);
      await records.connect(hospitalA).anchor(c("b"), OBS);
      await expect(records.connect(hospitalA).amend(c("a"), 0, [], ethers.ZeroHash, OBS)).to.be.revertedWithCustomError(
        records,
        "RecordsZeroCommitment",
      );
      await expect(records.connect(hospitalA).amend(c("a"), 0, [], c("b"), OBS))
        .to.be.revertedWithCustomError(records, "RecordsAlreadyAnchored")
        .withArgs(c("b"));
    });

    it("keeps a commitment anchored alone separate from the same commitment inside a batch", async function () {
      const { records, hospitalA } = await networkHelpers.loadFixture(recordsFixture);
      const batch = buildBatch([c("1"), c("2")]);
      await records.connect(hospitalA).anchorBatch(batch.root, 2, OBS);
      await records.connect(hospitalA).anchor(c("1"), OBS);
      await expect(records.connect(hospitalA).retract(c("1"), batch.root, batch.proofs[0]!))
        .to.be.revertedWithCustomError(records, "RecordsAlreadyAnchored")
        .withArgs(c("1"));
    });

    it("refuses amendment and retraction by an outsider", async function () {
      const { records, hospitalA, outsider } = await networkHelpers.loadFixture(recordsFixture);
      await records.connect(hospitalA).anchor(c("a"), OBS);
      await expect(records.connect(outsider).amend(c("a"), 0, [], c("a2"), OBS))
        .to.be.revertedWithCustomError(records, "ConsortiumGuardedUnauthorized")
        .withArgs(outsider.address, ANCHOR_KINDS);
      await expect(records.connect(outsider).retract(c("a"), 0, []))
        .to.be.revertedWithCustomError(records, "ConsortiumGuardedUnauthorized")
        .withArgs(outsider.address, ANCHOR_KINDS);
    });
  });

  describe("consent", function () {
    it("is granted with the patient's EIP-712 signature, submitted by anyone", async function () {
      const { records, domain, patientForB, outsider, ids } = await networkHelpers.loadFixture(recordsFixture);
      const terms = treatTerms(patientForB.address, ids.hospitalB, await now(networkHelpers));
      const sig = await signConsent(patientForB, domain, terms, terms.validFrom + DAY);
      const consentId = consentIdOf(terms);
      expect(await records.consentIdOf(terms)).to.equal(consentId);
      await expect(records.connect(outsider).grantConsent(terms, terms.validFrom + DAY, sig))
        .to.emit(records, "ConsentGranted")
        .withArgs(
          consentId,
          patientForB.address,
          ids.hospitalB,
          PURPOSES.TREAT,
          terms.categories,
          terms.recordsRoot,
          terms.validFrom,
          terms.validUntil,
          patientForB.address,
        );
      const state = await records.consentState(consentId);
      expect([state.status, state.grantedAt]).to.deep.equal([1n, BigInt(await networkHelpers.time.latest())]);
    });

    it("refuses a replayed grant signature", async function () {
      const { records, domain, patientForB, ids } = await networkHelpers.loadFixture(recordsFixture);
      const terms = treatTerms(patientForB.address, ids.hospitalB, await now(networkHelpers));
      const sig = await signConsent(patientForB, domain, terms, terms.validUntil);
      await records.grantConsent(terms, terms.validUntil, sig);
      await expect(records.grantConsent(terms, terms.validUntil, sig))
        .to.be.revertedWithCustomError(records, "RecordsConsentExists")
        .withArgs(consentIdOf(terms));
    });

    it("refuses a signature past its deadline", async function () {
      const { records, domain, patientForB, ids } = await networkHelpers.loadFixture(recordsFixture);
      const t = await now(networkHelpers);
      const terms = treatTerms(patientForB.address, ids.hospitalB, t);
      const sig = await signConsent(patientForB, domain, terms, t + 10n);
      await networkHelpers.time.increaseTo(t + 11n);
      await expect(records.grantConsent(terms, t + 10n, sig))
        .to.be.revertedWithCustomError(records, "RecordsSignatureExpired")
        .withArgs(t + 10n, t + 12n);
    });

    it("refuses a signature made for another chain", async function () {
      const { records, domain, patientForB, ids } = await networkHelpers.loadFixture(recordsFixture);
      const terms = treatTerms(patientForB.address, ids.hospitalB, await now(networkHelpers));
      const otherChain = recordsDomain(1n, domain.verifyingContract as string);
      const sig = await signConsent(patientForB, otherChain, terms, terms.validUntil);
      await expect(records.grantConsent(terms, terms.validUntil, sig))
        .to.be.revertedWithCustomError(records, "RecordsInvalidSignature")
        .withArgs(patientForB.address);
    });

    it("refuses a signature by someone other than the patient", async function () {
      const { records, domain, patientForB, outsider, ids } = await networkHelpers.loadFixture(recordsFixture);
      const terms = treatTerms(patientForB.address, ids.hospitalB, await now(networkHelpers));
      const sig = await signConsent(outsider, domain, terms, terms.validUntil);
      await expect(records.grantConsent(terms, terms.validUntil, sig))
        .to.be.revertedWithCustomError(records, "RecordsInvalidSignature")
        .withArgs(patientForB.address);
    });

    it("accepts an ERC-1271 contract wallet as the patient", async function () {
      const { records, domain, wallet, walletOwner, outsider, ids } = await networkHelpers.loadFixture(recordsFixture);
      const terms = treatTerms(await wallet.getAddress(), ids.hospitalB, await now(networkHelpers));
      const good = await signConsent(walletOwner, domain, terms, terms.validUntil);
      const bad = await signConsent(outsider, domain, terms, terms.validUntil);
      await expect(records.grantConsent(terms, terms.validUntil, bad))
        .to.be.revertedWithCustomError(records, "RecordsInvalidSignature")
        .withArgs(await wallet.getAddress());
      await expect(records.grantConsent(terms, terms.validUntil, good)).to.emit(records, "ConsentGranted");
    });

    it("accepts the guardian the patient's account named, and only after it named it", async function () {
      const { records, domain, patientForB, guardian, ids } = await networkHelpers.loadFixture(recordsFixture);
      const t = await now(networkHelpers);
      const terms = treatTerms(patientForB.address, ids.hospitalB, t);
      const byGuardian = await signConsent(guardian, domain, terms, terms.validUntil);
      await expect(records.grantConsent(terms, terms.validUntil, byGuardian))
        .to.be.revertedWithCustomError(records, "RecordsInvalidSignature")
        .withArgs(patientForB.address);
      const naming = await signGuardian(patientForB, domain, patientForB.address, guardian.address, 0n, t + DAY);
      await expect(records.setGuardian(patientForB.address, guardian.address, 0n, t + DAY, naming))
        .to.emit(records, "GuardianSet")
        .withArgs(patientForB.address, guardian.address);
      expect(await records.guardianOf(patientForB.address)).to.equal(guardian.address);
      await expect(records.grantConsent(terms, terms.validUntil, byGuardian))
        .to.emit(records, "ConsentGranted")
        .withArgs(
          consentIdOf(terms),
          patientForB.address,
          ids.hospitalB,
          PURPOSES.TREAT,
          terms.categories,
          terms.recordsRoot,
          terms.validFrom,
          terms.validUntil,
          guardian.address,
        );
      const revocation = await signRevocation(guardian, domain, terms, terms.validUntil);
      await expect(records.revokeConsent(terms, terms.validUntil, revocation))
        .to.emit(records, "ConsentRevoked")
        .withArgs(consentIdOf(terms), patientForB.address, guardian.address);
    });

    it("refuses naming a guardian with a replayed, expired or foreign signature, or the patient itself", async function () {
      const { records, domain, patientForB, guardian, outsider } = await networkHelpers.loadFixture(recordsFixture);
      const t = await now(networkHelpers);
      const p = patientForB.address;
      const sig = await signGuardian(patientForB, domain, p, guardian.address, 0n, t + DAY);
      await records.setGuardian(p, guardian.address, 0n, t + DAY, sig);
      await expect(records.setGuardian(p, guardian.address, 0n, t + DAY, sig))
        .to.be.revertedWithCustomError(records, "InvalidAccountNonce")
        .withArgs(p, 1n);
      const late = await signGuardian(patientForB, domain, p, guardian.address, 1n, t);
      await expect(records.setGuardian(p, guardian.address, 1n, t, late))
        .to.be.revertedWithCustomError(records, "RecordsSignatureExpired")
        .withArgs(t, t + 2n);
      const foreign = await signGuardian(outsider, domain, p, outsider.address, 1n, t + DAY);
      await expect(records.setGuardian(p, outsider.address, 1n, t + DAY, foreign))
        .to.be.revertedWithCustomError(records, "RecordsInvalidSignature")
        .withArgs(p);
      const self = await signGuardian(patientForB, domain, p, p, 1n, t + DAY);
      await expect(records.setGuardian(p, p, 1n, t + DAY, self))
        .to.be.revertedWithCustomError(records, "RecordsInvalidGuardian")
        .withArgs(p, p);
    });

    it("refuses malformed terms: no purpose, no or two scopes, an empty period, no patient", async function () {
      const { records, domain, patientForB, ids } = await networkHelpers.loadFixture(recordsFixture);
      const t = await now(networkHelpers);
      const bad = [
        treatTerms(patientForB.address, ids.hospitalB, t, { purpose: 0 }),
        treatTerms(patientForB.address, ids.hospitalB, t, { categories: 0n }),
        treatTerms(patientForB.address, ids.hospitalB, t, { recordsRoot: c("root") }),
        treatTerms(patientForB.address, ids.hospitalB, t, { validUntil: t }),
        treatTerms(ethers.ZeroAddress, ids.hospitalB, t),
      ];
      for (const terms of bad) {
        const sig = await signConsent(patientForB, domain, terms, t + DAY);
        await expect(records.grantConsent(terms, t + DAY, sig))
          .to.be.revertedWithCustomError(records, "RecordsInvalidConsent")
          .withArgs(consentIdOf(terms));
      }
    });

    it("refuses a consent whose period is over, or for a grantee that is not a member", async function () {
      const { records, domain, patientForB, ids } = await networkHelpers.loadFixture(recordsFixture);
      const t = await now(networkHelpers);
      const ended = treatTerms(patientForB.address, ids.hospitalB, t - 10n * DAY, { validUntil: t - DAY });
      await expect(records.grantConsent(ended, t + DAY, await signConsent(patientForB, domain, ended, t + DAY)))
        .to.be.revertedWithCustomError(records, "RecordsConsentEnded")
        .withArgs(consentIdOf(ended), t - DAY);
      const stranger = treatTerms(patientForB.address, c("no such member"), t);
      await expect(records.grantConsent(stranger, t + DAY, await signConsent(patientForB, domain, stranger, t + DAY)))
        .to.be.revertedWithCustomError(records, "RecordsUnknownGrantee")
        .withArgs(c("no such member"));
    });

    it("refuses grants while the module is paused, but lets the patient revoke", async function () {
      const fx = await networkHelpers.loadFixture(recordsFixture);
      const { records, domain, patientForB, ids } = fx;
      const terms = treatTerms(patientForB.address, ids.hospitalB, await now(networkHelpers));
      await records.grantConsent(
        terms,
        terms.validUntil,
        await signConsent(patientForB, domain, terms, terms.validUntil),
      );
      await pause(fx);
      const other = { ...terms, nonce: 2n };
      await expect(
        records.grantConsent(other, other.validUntil, await signConsent(patientForB, domain, other, other.validUntil)),
      )
        .to.be.revertedWithCustomError(records, "ConsortiumGuardedPaused")
        .withArgs(MODULE_IDS.records);
      await expect(
        records.revokeConsent(
          terms,
          terms.validUntil,
          await signRevocation(patientForB, domain, terms, terms.validUntil),
        ),
      ).to.emit(records, "ConsentRevoked");
    });

    it("is revoked once: a replayed revocation and a later grant of the same terms are refused", async function () {
      const { records, domain, patientForB, ids } = await networkHelpers.loadFixture(recordsFixture);
      const terms = treatTerms(patientForB.address, ids.hospitalB, await now(networkHelpers));
      const grant = await signConsent(patientForB, domain, terms, terms.validUntil);
      const revoke = await signRevocation(patientForB, domain, terms, terms.validUntil);
      // revoking before the grant is submitted cancels it
      await records.revokeConsent(terms, terms.validUntil, revoke);
      const revokedAt = BigInt(await networkHelpers.time.latest());
      await expect(records.revokeConsent(terms, terms.validUntil, revoke))
        .to.be.revertedWithCustomError(records, "RecordsConsentRevoked")
        .withArgs(consentIdOf(terms), revokedAt);
      await expect(records.grantConsent(terms, terms.validUntil, grant))
        .to.be.revertedWithCustomError(records, "RecordsConsentRevoked")
        .withArgs(consentIdOf(terms), revokedAt);
    });

    it("refuses a revocation by someone other than the patient, or past its deadline", async function () {
      const { records, domain, patientForB, outsider, ids } = await networkHelpers.loadFixture(recordsFixture);
      const t = await now(networkHelpers);
      const terms = treatTerms(patientForB.address, ids.hospitalB, t);
      await expect(records.revokeConsent(terms, t + DAY, await signRevocation(outsider, domain, terms, t + DAY)))
        .to.be.revertedWithCustomError(records, "RecordsInvalidSignature")
        .withArgs(patientForB.address);
      await expect(records.revokeConsent(terms, t - 1n, await signRevocation(patientForB, domain, terms, t - 1n)))
        .to.be.revertedWithCustomError(records, "RecordsSignatureExpired")
        .withArgs(t - 1n, t + 1n);
    });
  });

  describe("access with audit", function () {
    async function consented() {
      const fx = await networkHelpers.loadFixture(recordsFixture);
      const { records, domain, patientForB, hospitalA, ids } = fx;
      await records.connect(hospitalA).anchor(c("obs"), OBS);
      await records.connect(hospitalA).anchor(c("enc"), ENC);
      const terms = treatTerms(patientForB.address, ids.hospitalB, (await now(networkHelpers)) + 10n);
      await records.grantConsent(
        terms,
        terms.validUntil,
        await signConsent(patientForB, domain, terms, terms.validUntil),
      );
      await networkHelpers.time.increaseTo(terms.validFrom);
      return { ...fx, terms, consentId: consentIdOf(terms) };
    }

    it("records the grantee's access under a category consent", async function () {
      const { records, hospitalB, terms, consentId, ids } = await consented();
      await expect(records.connect(hospitalB).access(terms, c("obs"), 0, [], [], PURPOSES.TREAT))
        .to.emit(records, "RecordAccessed")
        .withArgs(consentId, ids.hospitalB, c("obs"), 0, PURPOSES.TREAT);
    });

    it("records access to a record inside a batch, with its proof", async function () {
      const { records, hospitalA, hospitalB, terms, consentId, ids } = await consented();
      const batch = buildBatch([c("b1"), c("b2")]);
      await records.connect(hospitalA).anchorBatch(batch.root, 2, OBS);
      await expect(records.connect(hospitalB).access(terms, c("b2"), batch.root, batch.proofs[1]!, [], PURPOSES.TREAT))
        .to.emit(records, "RecordAccessed")
        .withArgs(consentId, ids.hospitalB, c("b2"), BigInt(batch.root), PURPOSES.TREAT);
    });

    it("honours a consent scoped to specific records", async function () {
      const { records, domain, patientForB, hospitalB, ids } = await consented();
      const scope = buildBatch([c("obs"), c("enc")]);
      const terms = treatTerms(patientForB.address, ids.hospitalB, await now(networkHelpers), {
        categories: 0n,
        recordsRoot: scope.root,
        nonce: 7n,
      });
      await records.grantConsent(
        terms,
        terms.validUntil,
        await signConsent(patientForB, domain, terms, terms.validUntil),
      );
      await expect(records.connect(hospitalB).access(terms, c("enc"), 0, [], scope.proofs[1]!, PURPOSES.TREAT)).to.emit(
        records,
        "RecordAccessed",
      );
      await expect(records.connect(hospitalB).access(terms, c("enc"), 0, [], scope.proofs[0]!, PURPOSES.TREAT))
        .to.be.revertedWithCustomError(records, "RecordsOutOfScope")
        .withArgs(consentIdOf(terms), c("enc"));
    });

    it("refuses access without a consent", async function () {
      const { records, hospitalB, terms } = await consented();
      const never = { ...terms, nonce: 99n };
      await expect(records.connect(hospitalB).access(never, c("obs"), 0, [], [], PURPOSES.TREAT))
        .to.be.revertedWithCustomError(records, "RecordsConsentMissing")
        .withArgs(consentIdOf(never));
    });

    it("refuses access before the consent's period starts", async function () {
      const { records, domain, patientForB, hospitalB, ids } = await consented();
      const t = await now(networkHelpers);
      const later = treatTerms(patientForB.address, ids.hospitalB, t + DAY, { nonce: 3n });
      await records.grantConsent(
        later,
        later.validUntil,
        await signConsent(patientForB, domain, later, later.validUntil),
      );
      await expect(records.connect(hospitalB).access(later, c("obs"), 0, [], [], PURPOSES.TREAT))
        .to.be.revertedWithCustomError(records, "RecordsConsentNotYetValid")
        .withArgs(consentIdOf(later), t + DAY);
    });

    it("refuses access once the consent has expired", async function () {
      const { records, hospitalB, terms, consentId } = await consented();
      await networkHelpers.time.increaseTo(terms.validUntil);
      await expect(records.connect(hospitalB).access(terms, c("obs"), 0, [], [], PURPOSES.TREAT))
        .to.be.revertedWithCustomError(records, "RecordsConsentExpired")
        .withArgs(consentId, terms.validUntil);
    });

    it("refuses access after the patient revoked the consent", async function () {
      const { records, domain, patientForB, hospitalB, terms, consentId } = await consented();
      await records.revokeConsent(
        terms,
        terms.validUntil,
        await signRevocation(patientForB, domain, terms, terms.validUntil),
      );
      const revokedAt = BigInt(await networkHelpers.time.latest());
      await expect(records.connect(hospitalB).access(terms, c("obs"), 0, [], [], PURPOSES.TREAT))
        .to.be.revertedWithCustomError(records, "RecordsConsentRevoked")
        .withArgs(consentId, revokedAt);
    });

    it("refuses a record outside the consented categories", async function () {
      const { records, hospitalB, terms, consentId } = await consented();
      await expect(records.connect(hospitalB).access(terms, c("enc"), 0, [], [], PURPOSES.TREAT))
        .to.be.revertedWithCustomError(records, "RecordsOutOfScope")
        .withArgs(consentId, c("enc"));
    });

    it("refuses access for another purpose than the consent's", async function () {
      const { records, hospitalB, terms, consentId } = await consented();
      await expect(records.connect(hospitalB).access(terms, c("obs"), 0, [], [], PURPOSES.HRESCH))
        .to.be.revertedWithCustomError(records, "RecordsWrongPurpose")
        .withArgs(consentId, PURPOSES.TREAT, PURPOSES.HRESCH);
    });

    it("refuses a member that is not the grantee", async function () {
      const { records, hospitalA, terms, consentId, ids } = await consented();
      await expect(records.connect(hospitalA).access(terms, c("obs"), 0, [], [], PURPOSES.TREAT))
        .to.be.revertedWithCustomError(records, "RecordsNotGrantee")
        .withArgs(consentId, ids.hospitalA);
    });

    it("refuses a record that is not anchored", async function () {
      const { records, hospitalB, terms } = await consented();
      await expect(records.connect(hospitalB).access(terms, c("ghost"), 0, [], [], PURPOSES.TREAT))
        .to.be.revertedWithCustomError(records, "RecordsNotAnchored")
        .withArgs(c("ghost"), 0);
    });

    it("refuses an outsider, and any access while paused", async function () {
      const fx = await consented();
      await expect(fx.records.connect(fx.outsider).access(fx.terms, c("obs"), 0, [], [], PURPOSES.TREAT))
        .to.be.revertedWithCustomError(fx.records, "ConsortiumGuardedUnauthorized")
        .withArgs(fx.outsider.address, ALL_KINDS);
      await pause(fx);
      await expect(fx.records.connect(fx.hospitalB).access(fx.terms, c("obs"), 0, [], [], PURPOSES.TREAT))
        .to.be.revertedWithCustomError(fx.records, "ConsortiumGuardedPaused")
        .withArgs(MODULE_IDS.records);
    });
  });

  describe("break-glass", function () {
    it("lets an active hospital access without consent, flagged unreviewed until a regulator reviews it", async function () {
      const { records, hospitalA, hospitalB, regulator, ids } = await networkHelpers.loadFixture(recordsFixture);
      await records.connect(hospitalA).anchor(c("a"), OBS);
      await expect(records.connect(hospitalB).breakGlass(c("a"), 0, [], 7))
        .to.emit(records, "BreakGlassAccessed")
        .withArgs(1n, ids.hospitalB, c("a"), 0, 7);
      const entry = await records.getBreakGlass(1);
      expect([entry.memberId, entry.commitment, entry.reasonCode, entry.reviewed]).to.deep.equal([
        ids.hospitalB,
        c("a"),
        7n,
        false,
      ]);
      expect((await records.overdueReviews(1, 10))[0]).to.deep.equal([]);
      await networkHelpers.time.increase(72 * 3600);
      expect(await records.overdueReviews(0, 10)).to.deep.equal([[1n], 0n]);
      await expect(records.connect(regulator).markReviewed(1))
        .to.emit(records, "BreakGlassReviewed")
        .withArgs(1n, ids.regulator);
      const reviewed = await records.getBreakGlass(1);
      expect([reviewed.reviewed, reviewed.reviewer]).to.deep.equal([true, ids.regulator]);
      expect((await records.overdueReviews(1, 10))[0]).to.deep.equal([]);
      await expect(records.connect(regulator).markReviewed(1))
        .to.be.revertedWithCustomError(records, "RecordsAlreadyReviewed")
        .withArgs(1n);
    });

    it("pages through overdue reviews", async function () {
      const { records, hospitalA, hospitalB } = await networkHelpers.loadFixture(recordsFixture);
      await records.connect(hospitalA).anchor(c("a"), OBS);
      for (let i = 0; i < 3; i++) await records.connect(hospitalB).breakGlass(c("a"), 0, [], 1);
      await networkHelpers.time.increase(72 * 3600);
      expect(await records.breakGlassCount()).to.equal(3n);
      expect(await records.overdueReviews(1, 2)).to.deep.equal([[1n, 2n], 3n]);
      expect(await records.overdueReviews(3, 2)).to.deep.equal([[3n], 0n]);
      expect(await records.overdueReviews(5, 2)).to.deep.equal([[], 0n]);
    });

    it("refuses a laboratory, an outsider, and a record that is not anchored", async function () {
      const { records, hospitalA, lab, outsider } = await networkHelpers.loadFixture(recordsFixture);
      await records.connect(hospitalA).anchor(c("a"), OBS);
      await expect(records.connect(lab).breakGlass(c("a"), 0, [], 1))
        .to.be.revertedWithCustomError(records, "ConsortiumGuardedUnauthorized")
        .withArgs(lab.address, 1);
      await expect(records.connect(outsider).breakGlass(c("a"), 0, [], 1))
        .to.be.revertedWithCustomError(records, "ConsortiumGuardedUnauthorized")
        .withArgs(outsider.address, 1);
      await expect(records.connect(hospitalA).breakGlass(c("ghost"), 0, [], 1))
        .to.be.revertedWithCustomError(records, "RecordsNotAnchored")
        .withArgs(c("ghost"), 0);
    });

    it("lets only a regulator review, and only an existing access", async function () {
      const { records, hospitalA, regulator } = await networkHelpers.loadFixture(recordsFixture);
      await records.connect(hospitalA).anchor(c("a"), OBS);
      await records.connect(hospitalA).breakGlass(c("a"), 0, [], 1);
      await expect(records.connect(hospitalA).markReviewed(1))
        .to.be.revertedWithCustomError(records, "ConsortiumGuardedUnauthorized")
        .withArgs(hospitalA.address, 64);
      await expect(records.connect(regulator).markReviewed(2))
        .to.be.revertedWithCustomError(records, "RecordsUnknownBreakGlass")
        .withArgs(2n);
      await expect(records.connect(regulator).markReviewed(0))
        .to.be.revertedWithCustomError(records, "RecordsUnknownBreakGlass")
        .withArgs(0n);
      await expect(records.getBreakGlass(2))
        .to.be.revertedWithCustomError(records, "RecordsUnknownBreakGlass")
        .withArgs(2n);
    });
  });

  it("derives a different patient account for every grantee from the one patient secret", async function () {
    const { patientForB, ids } = await networkHelpers.loadFixture(recordsFixture);
    const { patientAccountFor } = await import("../../src/records/consent.js");
    const again = patientAccountFor("0x" + "5a".repeat(32), ids.hospitalB);
    const forA = patientAccountFor("0x" + "5a".repeat(32), ids.hospitalA);
    expect(again.address).to.equal(patientForB.address);
    expect(forA.address).to.not.equal(patientForB.address);
    expect(Wallet.createRandom().address).to.not.equal(forA.address);
  });
});
