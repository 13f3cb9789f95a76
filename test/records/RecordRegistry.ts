import { expect } from "chai";
import { network } from "hardhat";
import { Wallet, ZeroHash } from "ethers";

import { deployRecords, DAY, leafFor, now, signedAccessRequest, signedBatch, treatTerms } from "./fixture.js";
import { contractRequest, signAccessRequest } from "../../src/records/access-request.js";
import { buildBatch, subjectOfAccount, type LeafValue } from "../../src/records/merkle.js";
import {
  consentIdOf,
  PURPOSES,
  recordsDomain,
  signConsent,
  signGuardian,
  signRevocation,
} from "../../src/records/consent.js";
import { consentFileOf, newRecordsScope, scopeProofOf, scopeRootOf } from "../../src/records/consent-file.js";
import { CATEGORIES } from "../../src/records/categories.js";
import { MODULE_IDS } from "../../src/consortium/kinds.js";
import { accountProofFor } from "../../src/consortium/account-proof.js";

const { ethers, networkHelpers } = await network.create();

const OBS = CATEGORIES.observation;
const ENC = CATEGORIES.encounter;
const ANCHOR_KINDS = 1 | 2;
const ALL_KINDS = 0x7f;
const Status = { Unknown: 0n, Active: 1n, Superseded: 2n, Retracted: 3n };
const c = (label: string): string => ethers.id(`commitment:${label}`);
/** A leaf bound to an arbitrary subject (these tests of anchoring do not need a real patient). */
const L = (label: string): string => leafFor("0x" + "11".repeat(20), c(label));
const pair = (label: string): LeafValue => [subjectOfAccount("0x" + "11".repeat(20)), c(label)];

describe("RecordRegistry", function () {
  async function recordsFixture() {
    return deployRecords(ethers);
  }

  async function pause(fx: Awaited<ReturnType<typeof recordsFixture>>) {
    await fx.registry.connect(fx.governors[0]!).pauseModule(MODULE_IDS.records);
  }

  describe("anchoring one record", function () {
    it("binds the time and the category under the issuer's key, and reports the record active", async function () {
      const { records, hospitalA, ids } = await networkHelpers.loadFixture(recordsFixture);
      await expect(records.connect(hospitalA).anchor(L("a"), OBS))
        .to.emit(records, "RecordAnchored")
        .withArgs(L("a"), ids.hospitalA, OBS);
      const t = BigInt(await networkHelpers.time.latest());
      expect(await records.recordStatus(ids.hospitalA, L("a"), ZeroHash, [])).to.deep.equal([t, Status.Active]);
      const stored = await records.getRecord(ids.hospitalA, L("a"));
      expect([stored.anchoredAt, stored.category, stored.status, stored.batched, stored.changedAt]).to.deep.equal([
        t,
        BigInt(OBS),
        Status.Active,
        false,
        0n,
      ]);
    });

    it("lets a laboratory anchor too", async function () {
      const { records, lab, ids } = await networkHelpers.loadFixture(recordsFixture);
      await records.connect(lab).anchor(L("lab"), OBS);
      expect((await records.recordStatus(ids.lab, L("lab"), ZeroHash, []))[1]).to.equal(Status.Active);
    });

    it("reports a leaf as unknown under any other member than its issuer, and a never-anchored one", async function () {
      const { records, hospitalA, ids } = await networkHelpers.loadFixture(recordsFixture);
      await records.connect(hospitalA).anchor(L("a"), OBS);
      expect(await records.recordStatus(ids.hospitalB, L("a"), ZeroHash, [])).to.deep.equal([0n, Status.Unknown]);
      expect(await records.recordStatus(ids.hospitalA, L("nothing"), ZeroHash, [])).to.deep.equal([0n, Status.Unknown]);
    });

    it("refuses an outsider and an insurer", async function () {
      const { records, outsider, insurer } = await networkHelpers.loadFixture(recordsFixture);
      await expect(records.connect(outsider).anchor(L("a"), OBS))
        .to.be.revertedWithCustomError(records, "ConsortiumGuardedUnauthorized")
        .withArgs(outsider.address, ANCHOR_KINDS);
      await expect(records.connect(insurer).anchor(L("a"), OBS))
        .to.be.revertedWithCustomError(records, "ConsortiumGuardedUnauthorized")
        .withArgs(insurer.address, ANCHOR_KINDS);
    });

    it("refuses a zero leaf", async function () {
      const { records, hospitalA } = await networkHelpers.loadFixture(recordsFixture);
      await expect(records.connect(hospitalA).anchor(ZeroHash, OBS)).to.be.revertedWithCustomError(
        records,
        "RecordsZeroLeaf",
      );
    });

    it("refuses the same leaf twice from its issuer, but another member's anchor of it is its own entry", async function () {
      const { records, hospitalA, hospitalB, ids } = await networkHelpers.loadFixture(recordsFixture);
      await records.connect(hospitalA).anchor(L("a"), OBS);
      await expect(records.connect(hospitalA).anchor(L("a"), OBS))
        .to.be.revertedWithCustomError(records, "RecordsAlreadyAnchored")
        .withArgs(ids.hospitalA, L("a"));
      await expect(records.connect(hospitalB).anchor(L("a"), ENC))
        .to.emit(records, "RecordAnchored")
        .withArgs(L("a"), ids.hospitalB, ENC);
      expect((await records.getRecord(ids.hospitalA, L("a"))).category).to.equal(BigInt(OBS));
      expect((await records.getRecord(ids.hospitalB, L("a"))).category).to.equal(BigInt(ENC));
    });

    it("refuses to anchor while the consortium has the module paused", async function () {
      const fx = await networkHelpers.loadFixture(recordsFixture);
      await pause(fx);
      await expect(fx.records.connect(fx.hospitalA).anchor(L("a"), OBS))
        .to.be.revertedWithCustomError(fx.records, "ConsortiumGuardedPaused")
        .withArgs(MODULE_IDS.records);
      await expect(fx.records.connect(fx.hospitalA).anchorBatch(c("root"), 1, OBS))
        .to.be.revertedWithCustomError(fx.records, "ConsortiumGuardedPaused")
        .withArgs(MODULE_IDS.records);
    });
  });

  describe("anchoring a batch", function () {
    it("anchors a Merkle root under the issuer's key, and verifies each leaf with its proof", async function () {
      const { records, hospitalA, ids } = await networkHelpers.loadFixture(recordsFixture);
      const batch = buildBatch([pair("1"), pair("2"), pair("3")]);
      await expect(records.connect(hospitalA).anchorBatch(batch.root, 3, OBS))
        .to.emit(records, "RecordBatchAnchored")
        .withArgs(ids.hospitalA, batch.root, OBS, 3);
      const t = BigInt(await networkHelpers.time.latest());
      for (const [i, label] of ["1", "2", "3"].entries()) {
        expect(await records.recordStatus(ids.hospitalA, L(label), batch.root, batch.proofs[i]!)).to.deep.equal([
          t,
          Status.Active,
        ]);
      }
      const stored = await records.getBatch(ids.hospitalA, batch.root);
      expect([stored.anchoredAt, stored.count, stored.category]).to.deep.equal([t, 3n, BigInt(OBS)]);
    });

    it("reports a leaf as unknown with a wrong proof, an unknown batch, another issuer or without its batch", async function () {
      const { records, hospitalA, ids } = await networkHelpers.loadFixture(recordsFixture);
      const batch = buildBatch([pair("1"), pair("2"), pair("3")]);
      await records.connect(hospitalA).anchorBatch(batch.root, 3, OBS);
      const status = async (issuer: string, root: string, proof: string[]) =>
        (await records.recordStatus(issuer, L("1"), root, proof))[1];
      expect(await status(ids.hospitalA, batch.root, batch.proofs[1]!)).to.equal(Status.Unknown);
      expect(await status(ids.hospitalA, c("other root"), batch.proofs[0]!)).to.equal(Status.Unknown);
      expect(await status(ids.hospitalB, batch.root, batch.proofs[0]!)).to.equal(Status.Unknown);
      expect(await status(ids.hospitalA, ZeroHash, [])).to.equal(Status.Unknown);
    });

    it("refuses a zero root, an empty batch and the same root twice from its issuer", async function () {
      const { records, hospitalA, hospitalB, ids } = await networkHelpers.loadFixture(recordsFixture);
      await expect(records.connect(hospitalA).anchorBatch(ZeroHash, 1, OBS)).to.be.revertedWithCustomError(
        records,
        "RecordsZeroLeaf",
      );
      await expect(records.connect(hospitalA).anchorBatch(c("root"), 0, OBS)).to.be.revertedWithCustomError(
        records,
        "RecordsEmptyBatch",
      );
      await records.connect(hospitalA).anchorBatch(c("root"), 2, OBS);
      await expect(records.connect(hospitalA).anchorBatch(c("root"), 2, OBS))
        .to.be.revertedWithCustomError(records, "RecordsBatchExists")
        .withArgs(ids.hospitalA, c("root"));
      // Another member's batch with the same root is its own (and takes nothing from the first).
      await records.connect(hospitalB).anchorBatch(c("root"), 5, ENC);
      expect((await records.getBatch(ids.hospitalA, c("root"))).count).to.equal(2n);
      expect((await records.getBatch(ids.hospitalB, c("root"))).count).to.equal(5n);
    });

    it("refuses an outsider", async function () {
      const { records, outsider } = await networkHelpers.loadFixture(recordsFixture);
      await expect(records.connect(outsider).anchorBatch(c("root"), 1, OBS))
        .to.be.revertedWithCustomError(records, "ConsortiumGuardedUnauthorized")
        .withArgs(outsider.address, ANCHOR_KINDS);
    });
  });

  describe("amending and retracting", function () {
    it("supersedes a record with a new version, linked both ways under the issuer", async function () {
      const { records, hospitalA, ids } = await networkHelpers.loadFixture(recordsFixture);
      await records.connect(hospitalA).anchor(L("v1"), OBS);
      await expect(records.connect(hospitalA).amend(L("v1"), ZeroHash, [], L("v2"), ENC))
        .to.emit(records, "RecordAmended")
        .withArgs(ids.hospitalA, L("v1"), L("v2"), ZeroHash, ENC);
      const t = BigInt(await networkHelpers.time.latest());
      expect(await records.recordStatus(ids.hospitalA, L("v1"), ZeroHash, [])).to.deep.equal([
        (await records.getRecord(ids.hospitalA, L("v1"))).anchoredAt,
        Status.Superseded,
      ]);
      expect(await records.recordStatus(ids.hospitalA, L("v2"), ZeroHash, [])).to.deep.equal([t, Status.Active]);
      expect(await records.supersededBy(ids.hospitalA, L("v1"))).to.equal(L("v2"));
      expect(await records.amendedFrom(ids.hospitalA, L("v2"))).to.equal(L("v1"));
      expect(await records.supersededBy(ids.hospitalB, L("v1"))).to.equal(ZeroHash);
      expect((await records.getRecord(ids.hospitalA, L("v1"))).changedAt).to.equal(t);
      expect((await records.getRecord(ids.hospitalA, L("v2"))).category).to.equal(BigInt(ENC));
    });

    it("amends and retracts records inside a batch when given their proof", async function () {
      const { records, hospitalA, ids } = await networkHelpers.loadFixture(recordsFixture);
      const batch = buildBatch([pair("1"), pair("2"), pair("3")]);
      await records.connect(hospitalA).anchorBatch(batch.root, 3, OBS);
      await expect(records.connect(hospitalA).amend(L("1"), batch.root, batch.proofs[0]!, L("1"), OBS))
        .to.be.revertedWithCustomError(records, "RecordsAlreadyAnchored")
        .withArgs(ids.hospitalA, L("1"));
      await records.connect(hospitalA).amend(L("1"), batch.root, batch.proofs[0]!, L("1b"), OBS);
      await expect(records.connect(hospitalA).retract(L("2"), batch.root, batch.proofs[1]!))
        .to.emit(records, "RecordRetracted")
        .withArgs(ids.hospitalA, L("2"), batch.root);
      const status = async (label: string, i: number) =>
        (await records.recordStatus(ids.hospitalA, L(label), batch.root, batch.proofs[i]!))[1];
      expect(await status("1", 0)).to.equal(Status.Superseded);
      expect(await status("2", 1)).to.equal(Status.Retracted);
      expect(await status("3", 2)).to.equal(Status.Active);
      // The status entry alone does not make the batched record look anchored on its own ...
      expect((await records.recordStatus(ids.hospitalA, L("2"), ZeroHash, []))[1]).to.equal(Status.Unknown);
      expect((await records.getRecord(ids.hospitalA, L("2"))).batched).to.equal(true);
      // ... and it cannot be anchored alone afresh to escape its status.
      await expect(records.connect(hospitalA).anchor(L("2"), OBS))
        .to.be.revertedWithCustomError(records, "RecordsAlreadyAnchored")
        .withArgs(ids.hospitalA, L("2"));
    });

    it("retracts a record entered in error", async function () {
      const { records, hospitalA, ids } = await networkHelpers.loadFixture(recordsFixture);
      await records.connect(hospitalA).anchor(L("a"), OBS);
      await expect(records.connect(hospitalA).retract(L("a"), ZeroHash, []))
        .to.emit(records, "RecordRetracted")
        .withArgs(ids.hospitalA, L("a"), ZeroHash);
      expect((await records.recordStatus(ids.hospitalA, L("a"), ZeroHash, []))[1]).to.equal(Status.Retracted);
    });

    it("gives a record one status whether it is looked up alone or through a batch of its issuer", async function () {
      const { records, hospitalA, ids } = await networkHelpers.loadFixture(recordsFixture);
      const batch = buildBatch([pair("1"), pair("2")]);
      await records.connect(hospitalA).anchorBatch(batch.root, 2, OBS);
      await records.connect(hospitalA).anchor(L("1"), OBS);
      await records.connect(hospitalA).retract(L("1"), batch.root, batch.proofs[0]!);
      expect((await records.recordStatus(ids.hospitalA, L("1"), ZeroHash, []))[1]).to.equal(Status.Retracted);
      expect((await records.recordStatus(ids.hospitalA, L("1"), batch.root, batch.proofs[0]!))[1]).to.equal(
        Status.Retracted,
      );
      await expect(records.connect(hospitalA).retract(L("1"), ZeroHash, []))
        .to.be.revertedWithCustomError(records, "RecordsNotActive")
        .withArgs(ids.hospitalA, L("1"), Status.Retracted);
    });

    it("finds no record of another member to amend or retract: the caller's own key holds none", async function () {
      const { records, hospitalA, hospitalB, ids } = await networkHelpers.loadFixture(recordsFixture);
      await records.connect(hospitalA).anchor(L("a"), OBS);
      await expect(records.connect(hospitalB).amend(L("a"), ZeroHash, [], L("a2"), OBS))
        .to.be.revertedWithCustomError(records, "RecordsNotAnchored")
        .withArgs(ids.hospitalB, L("a"), ZeroHash);
      await expect(records.connect(hospitalB).retract(L("a"), ZeroHash, []))
        .to.be.revertedWithCustomError(records, "RecordsNotAnchored")
        .withArgs(ids.hospitalB, L("a"), ZeroHash);
      expect((await records.recordStatus(ids.hospitalA, L("a"), ZeroHash, []))[1]).to.equal(Status.Active);
    });

    it("refuses to change a record that is not anchored, or no longer active", async function () {
      const { records, hospitalA, ids } = await networkHelpers.loadFixture(recordsFixture);
      await expect(records.connect(hospitalA).retract(L("x"), ZeroHash, []))
        .to.be.revertedWithCustomError(records, "RecordsNotAnchored")
        .withArgs(ids.hospitalA, L("x"), ZeroHash);
      await records.connect(hospitalA).anchor(L("a"), OBS);
      await records.connect(hospitalA).retract(L("a"), ZeroHash, []);
      await expect(records.connect(hospitalA).retract(L("a"), ZeroHash, []))
        .to.be.revertedWithCustomError(records, "RecordsNotActive")
        .withArgs(ids.hospitalA, L("a"), Status.Retracted);
      await expect(records.connect(hospitalA).amend(L("a"), ZeroHash, [], L("a2"), OBS))
        .to.be.revertedWithCustomError(records, "RecordsNotActive")
        .withArgs(ids.hospitalA, L("a"), Status.Retracted);
    });

    it("refuses a new version that is zero or anchored already by the issuer", async function () {
      const { records, hospitalA, ids } = await networkHelpers.loadFixture(recordsFixture);
      await records.connect(hospitalA).anchor(L("a"), OBS);
      await records.connect(hospitalA).anchor(L("b"), OBS);
      await expect(records.connect(hospitalA).amend(L("a"), ZeroHash, [], ZeroHash, OBS)).to.be.revertedWithCustomError(
        records,
        "RecordsZeroLeaf",
      );
      await expect(records.connect(hospitalA).amend(L("a"), ZeroHash, [], L("b"), OBS))
        .to.be.revertedWithCustomError(records, "RecordsAlreadyAnchored")
        .withArgs(ids.hospitalA, L("b"));
    });

    it("refuses amendment and retraction by an outsider, and while paused", async function () {
      const fx = await networkHelpers.loadFixture(recordsFixture);
      const { records, hospitalA, outsider } = fx;
      await records.connect(hospitalA).anchor(L("a"), OBS);
      await expect(records.connect(outsider).amend(L("a"), ZeroHash, [], L("a2"), OBS))
        .to.be.revertedWithCustomError(records, "ConsortiumGuardedUnauthorized")
        .withArgs(outsider.address, ANCHOR_KINDS);
      await expect(records.connect(outsider).retract(L("a"), ZeroHash, []))
        .to.be.revertedWithCustomError(records, "ConsortiumGuardedUnauthorized")
        .withArgs(outsider.address, ANCHOR_KINDS);
      await pause(fx);
      await expect(records.connect(hospitalA).retract(L("a"), ZeroHash, []))
        .to.be.revertedWithCustomError(records, "ConsortiumGuardedPaused")
        .withArgs(MODULE_IDS.records);
    });
  });

  describe("consent", function () {
    it("is granted with the patient's EIP-712 signature, naming custodian and grantee, submitted by anyone", async function () {
      const { records, domain, patientAtA, outsider, ids } = await networkHelpers.loadFixture(recordsFixture);
      const terms = treatTerms(patientAtA.address, ids.hospitalA, ids.hospitalB, await now(networkHelpers));
      const sig = await signConsent(patientAtA, domain, terms, terms.validFrom + DAY);
      const consentId = consentIdOf(terms);
      expect(await records.consentIdOf(terms)).to.equal(consentId);
      await expect(records.connect(outsider).grantConsent(terms, terms.validFrom + DAY, sig))
        .to.emit(records, "ConsentGranted")
        .withArgs(
          consentId,
          patientAtA.address,
          ids.hospitalB,
          ids.hospitalA,
          PURPOSES.TREAT,
          terms.categories,
          terms.recordsRoot,
          terms.validFrom,
          terms.validUntil,
          patientAtA.address,
        );
      const state = await records.consentState(consentId);
      expect([state.status, state.grantedAt]).to.deep.equal([1n, BigInt(await networkHelpers.time.latest())]);
    });

    it("signs under domain version 2 and the type that names the custodian", async function () {
      const { records, domain } = await networkHelpers.loadFixture(recordsFixture);
      const [, name, version, chainId, verifyingContract] = await records.eip712Domain();
      expect([name, version, chainId, verifyingContract]).to.deep.equal([
        "MedChain RecordRegistry",
        "2",
        BigInt(domain.chainId!),
        domain.verifyingContract,
      ]);
      expect(await records.CONSENT_TYPEHASH()).to.equal(
        ethers.id(
          "Consent(address patient,bytes32 custodian,bytes32 grantee,uint8 purpose,uint256 categories," +
            "bytes32 recordsRoot,uint64 validFrom,uint64 validUntil,uint256 nonce,uint256 deadline)",
        ),
      );
    });

    it("refuses a replayed grant signature", async function () {
      const { records, domain, patientAtA, ids } = await networkHelpers.loadFixture(recordsFixture);
      const terms = treatTerms(patientAtA.address, ids.hospitalA, ids.hospitalB, await now(networkHelpers));
      const sig = await signConsent(patientAtA, domain, terms, terms.validUntil);
      await records.grantConsent(terms, terms.validUntil, sig);
      await expect(records.grantConsent(terms, terms.validUntil, sig))
        .to.be.revertedWithCustomError(records, "RecordsConsentExists")
        .withArgs(consentIdOf(terms));
    });

    it("refuses a signature past its deadline", async function () {
      const { records, domain, patientAtA, ids } = await networkHelpers.loadFixture(recordsFixture);
      const t = await now(networkHelpers);
      const terms = treatTerms(patientAtA.address, ids.hospitalA, ids.hospitalB, t);
      const sig = await signConsent(patientAtA, domain, terms, t + 10n);
      await networkHelpers.time.increaseTo(t + 11n);
      const at = (await now(networkHelpers)) + 1n;
      await networkHelpers.time.setNextBlockTimestamp(at);
      await expect(records.grantConsent(terms, t + 10n, sig))
        .to.be.revertedWithCustomError(records, "RecordsSignatureExpired")
        .withArgs(t + 10n, at);
    });

    it("refuses a signature made for another chain or the version-1 domain", async function () {
      const { records, domain, patientAtA, ids } = await networkHelpers.loadFixture(recordsFixture);
      const terms = treatTerms(patientAtA.address, ids.hospitalA, ids.hospitalB, await now(networkHelpers));
      for (const other of [recordsDomain(1n, domain.verifyingContract as string), { ...domain, version: "1" }]) {
        const sig = await signConsent(patientAtA, other, terms, terms.validUntil);
        await expect(records.grantConsent(terms, terms.validUntil, sig))
          .to.be.revertedWithCustomError(records, "RecordsInvalidSignature")
          .withArgs(patientAtA.address);
      }
    });

    it("refuses a signature by someone other than the patient", async function () {
      const { records, domain, patientAtA, outsider, ids } = await networkHelpers.loadFixture(recordsFixture);
      const terms = treatTerms(patientAtA.address, ids.hospitalA, ids.hospitalB, await now(networkHelpers));
      const sig = await signConsent(outsider, domain, terms, terms.validUntil);
      await expect(records.grantConsent(terms, terms.validUntil, sig))
        .to.be.revertedWithCustomError(records, "RecordsInvalidSignature")
        .withArgs(patientAtA.address);
    });

    it("accepts an ERC-1271 contract wallet as the patient", async function () {
      const { records, domain, wallet, walletOwner, outsider, ids } = await networkHelpers.loadFixture(recordsFixture);
      const terms = treatTerms(await wallet.getAddress(), ids.hospitalA, ids.hospitalB, await now(networkHelpers));
      const good = await signConsent(walletOwner, domain, terms, terms.validUntil);
      const bad = await signConsent(outsider, domain, terms, terms.validUntil);
      await expect(records.grantConsent(terms, terms.validUntil, bad))
        .to.be.revertedWithCustomError(records, "RecordsInvalidSignature")
        .withArgs(await wallet.getAddress());
      await expect(records.grantConsent(terms, terms.validUntil, good)).to.emit(records, "ConsentGranted");
    });

    it("accepts the guardian the patient's account named, and only after it named it", async function () {
      const { records, domain, patientAtA, guardian, ids } = await networkHelpers.loadFixture(recordsFixture);
      const t = await now(networkHelpers);
      const terms = treatTerms(patientAtA.address, ids.hospitalA, ids.hospitalB, t);
      const byGuardian = await signConsent(guardian, domain, terms, terms.validUntil);
      await expect(records.grantConsent(terms, terms.validUntil, byGuardian))
        .to.be.revertedWithCustomError(records, "RecordsInvalidSignature")
        .withArgs(patientAtA.address);
      expect(await records.nonces(patientAtA.address)).to.equal(0n);
      const naming = await signGuardian(patientAtA, domain, patientAtA.address, guardian.address, 0n, t + DAY);
      await expect(records.setGuardian(patientAtA.address, guardian.address, 0n, t + DAY, naming))
        .to.emit(records, "GuardianSet")
        .withArgs(patientAtA.address, guardian.address);
      expect(await records.guardianOf(patientAtA.address)).to.equal(guardian.address);
      expect(await records.nonces(patientAtA.address)).to.equal(1n);
      await expect(records.grantConsent(terms, terms.validUntil, byGuardian))
        .to.emit(records, "ConsentGranted")
        .withArgs(
          consentIdOf(terms),
          patientAtA.address,
          ids.hospitalB,
          ids.hospitalA,
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
        .withArgs(consentIdOf(terms), patientAtA.address, guardian.address);
    });

    it("refuses naming a guardian with a replayed, expired or foreign signature, or the patient itself, or while paused", async function () {
      const fx = await networkHelpers.loadFixture(recordsFixture);
      const { records, domain, patientAtA, guardian, outsider } = fx;
      const t = await now(networkHelpers);
      const p = patientAtA.address;
      const sig = await signGuardian(patientAtA, domain, p, guardian.address, 0n, t + DAY);
      await records.setGuardian(p, guardian.address, 0n, t + DAY, sig);
      await expect(records.setGuardian(p, guardian.address, 0n, t + DAY, sig))
        .to.be.revertedWithCustomError(records, "InvalidAccountNonce")
        .withArgs(p, 1n);
      const late = await signGuardian(patientAtA, domain, p, guardian.address, 1n, t);
      const at = (await now(networkHelpers)) + 1n;
      await networkHelpers.time.setNextBlockTimestamp(at);
      await expect(records.setGuardian(p, guardian.address, 1n, t, late))
        .to.be.revertedWithCustomError(records, "RecordsSignatureExpired")
        .withArgs(t, at);
      const foreign = await signGuardian(outsider, domain, p, outsider.address, 1n, t + DAY);
      await expect(records.setGuardian(p, outsider.address, 1n, t + DAY, foreign))
        .to.be.revertedWithCustomError(records, "RecordsInvalidSignature")
        .withArgs(p);
      const self = await signGuardian(patientAtA, domain, p, p, 1n, t + DAY);
      await expect(records.setGuardian(p, p, 1n, t + DAY, self))
        .to.be.revertedWithCustomError(records, "RecordsInvalidGuardian")
        .withArgs(p, p);
      await pause(fx);
      const fresh = await signGuardian(patientAtA, domain, p, outsider.address, 1n, t + DAY);
      await expect(records.setGuardian(p, outsider.address, 1n, t + DAY, fresh))
        .to.be.revertedWithCustomError(records, "ConsortiumGuardedPaused")
        .withArgs(MODULE_IDS.records);
    });

    it("refuses malformed terms: no purpose, no or two scopes, an empty period, no patient", async function () {
      const { records, domain, patientAtA, ids } = await networkHelpers.loadFixture(recordsFixture);
      const t = await now(networkHelpers);
      const terms = (over: Parameters<typeof treatTerms>[4], patient = patientAtA.address) =>
        treatTerms(patient, ids.hospitalA, ids.hospitalB, t, over);
      const bad = [
        terms({ purpose: 0 }),
        terms({ categories: 0n }),
        terms({ recordsRoot: c("root") }),
        terms({ validUntil: t }),
        terms({}, ethers.ZeroAddress),
      ];
      for (const malformed of bad) {
        const sig = await signConsent(patientAtA, domain, malformed, t + DAY);
        await expect(records.grantConsent(malformed, t + DAY, sig))
          .to.be.revertedWithCustomError(records, "RecordsInvalidConsent")
          .withArgs(consentIdOf(malformed));
      }
    });

    it("refuses a consent whose period is over, or naming a grantee or custodian that is not a fit member", async function () {
      const { records, domain, patientAtA, ids } = await networkHelpers.loadFixture(recordsFixture);
      const t = await now(networkHelpers);
      const grant = async (terms: ReturnType<typeof treatTerms>) =>
        records.grantConsent(terms, t + DAY, await signConsent(patientAtA, domain, terms, t + DAY));
      const ended = treatTerms(patientAtA.address, ids.hospitalA, ids.hospitalB, t - 10n * DAY, {
        validUntil: t - DAY,
      });
      await expect(grant(ended))
        .to.be.revertedWithCustomError(records, "RecordsConsentEnded")
        .withArgs(consentIdOf(ended), t - DAY);
      const stranger = treatTerms(patientAtA.address, ids.hospitalA, c("no such member"), t);
      await expect(grant(stranger))
        .to.be.revertedWithCustomError(records, "RecordsUnknownGrantee")
        .withArgs(c("no such member"));
      // The custodian must be a member that anchors records: an insurer holds none.
      for (const custodian of [c("no such member"), ids.insurer]) {
        const terms = treatTerms(patientAtA.address, custodian, ids.hospitalB, t);
        await expect(grant(terms))
          .to.be.revertedWithCustomError(records, "RecordsUnknownCustodian")
          .withArgs(custodian);
      }
    });

    it("refuses grants while the module is paused, but lets the patient revoke", async function () {
      const fx = await networkHelpers.loadFixture(recordsFixture);
      const { records, domain, patientAtA, ids } = fx;
      const terms = treatTerms(patientAtA.address, ids.hospitalA, ids.hospitalB, await now(networkHelpers));
      await records.grantConsent(
        terms,
        terms.validUntil,
        await signConsent(patientAtA, domain, terms, terms.validUntil),
      );
      await pause(fx);
      const other = { ...terms, nonce: 2n };
      await expect(
        records.grantConsent(other, other.validUntil, await signConsent(patientAtA, domain, other, other.validUntil)),
      )
        .to.be.revertedWithCustomError(records, "ConsortiumGuardedPaused")
        .withArgs(MODULE_IDS.records);
      await expect(
        records.revokeConsent(
          terms,
          terms.validUntil,
          await signRevocation(patientAtA, domain, terms, terms.validUntil),
        ),
      ).to.emit(records, "ConsentRevoked");
    });

    it("is revoked once: a replayed revocation and a later grant of the same terms are refused", async function () {
      const { records, domain, patientAtA, ids } = await networkHelpers.loadFixture(recordsFixture);
      const terms = treatTerms(patientAtA.address, ids.hospitalA, ids.hospitalB, await now(networkHelpers));
      const grant = await signConsent(patientAtA, domain, terms, terms.validUntil);
      const revoke = await signRevocation(patientAtA, domain, terms, terms.validUntil);
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
      const { records, domain, patientAtA, outsider, ids } = await networkHelpers.loadFixture(recordsFixture);
      const t = await now(networkHelpers);
      const terms = treatTerms(patientAtA.address, ids.hospitalA, ids.hospitalB, t);
      await expect(records.revokeConsent(terms, t + DAY, await signRevocation(outsider, domain, terms, t + DAY)))
        .to.be.revertedWithCustomError(records, "RecordsInvalidSignature")
        .withArgs(patientAtA.address);
      const late = await signRevocation(patientAtA, domain, terms, t - 1n);
      const at = (await now(networkHelpers)) + 1n;
      await networkHelpers.time.setNextBlockTimestamp(at);
      await expect(records.revokeConsent(terms, t - 1n, late))
        .to.be.revertedWithCustomError(records, "RecordsSignatureExpired")
        .withArgs(t - 1n, at);
    });
  });

  describe("access with audit", function () {
    async function consented() {
      const fx = await networkHelpers.loadFixture(recordsFixture);
      const { records, domain, patientAtA, hospitalA, ids } = fx;
      const p = patientAtA.address;
      await records.connect(hospitalA).anchor(leafFor(p, c("obs")), OBS);
      await records.connect(hospitalA).anchor(leafFor(p, c("enc")), ENC);
      const terms = treatTerms(p, ids.hospitalA, ids.hospitalB, (await now(networkHelpers)) + 10n);
      await records.grantConsent(
        terms,
        terms.validUntil,
        await signConsent(patientAtA, domain, terms, terms.validUntil),
      );
      await networkHelpers.time.increaseTo(terms.validFrom);
      return { ...fx, terms, consentId: consentIdOf(terms), p };
    }

    it("records the grantee's access to the patient's record under a category consent", async function () {
      const { records, hospitalB, terms, consentId, ids, p } = await consented();
      await expect(records.connect(hospitalB).access(terms, c("obs"), ZeroHash, [], ZeroHash, [], PURPOSES.TREAT))
        .to.emit(records, "RecordAccessed")
        .withArgs(consentId, ids.hospitalB, ids.hospitalA, leafFor(p, c("obs")), ZeroHash, PURPOSES.TREAT);
    });

    it("records access to a record inside the custodian's batch, with its proof", async function () {
      const { records, hospitalA, hospitalB, terms, consentId, ids, p } = await consented();
      const batch = buildBatch([
        [subjectOfAccount(p), c("b1")],
        [subjectOfAccount(p), c("b2")],
      ]);
      await records.connect(hospitalA).anchorBatch(batch.root, 2, OBS);
      await expect(
        records.connect(hospitalB).access(terms, c("b2"), batch.root, batch.proofs[1]!, ZeroHash, [], PURPOSES.TREAT),
      )
        .to.emit(records, "RecordAccessed")
        .withArgs(consentId, ids.hospitalB, ids.hospitalA, leafFor(p, c("b2")), batch.root, PURPOSES.TREAT);
    });

    it("honours a consent scoped to specific records through its blinded scope root", async function () {
      const { records, domain, patientAtA, hospitalB, ids, p } = await consented();
      const scope = newRecordsScope([c("obs"), c("enc")]);
      const terms = treatTerms(p, ids.hospitalA, ids.hospitalB, await now(networkHelpers), {
        categories: 0n,
        recordsRoot: scopeRootOf(p, scope),
        nonce: 7n,
      });
      await records.grantConsent(
        terms,
        terms.validUntil,
        await signConsent(patientAtA, domain, terms, terms.validUntil),
      );
      const file = consentFileOf(terms, scope, 0n, ethers.ZeroAddress);
      const enc = scopeProofOf(file, c("enc"));
      await expect(
        records.connect(hospitalB).access(terms, c("enc"), ZeroHash, [], enc.blind, enc.proof, PURPOSES.TREAT),
      ).to.emit(records, "RecordAccessed");
      // Another record's blinding value, or a made-up one, does not prove this record in scope.
      const obs = scopeProofOf(file, c("obs"));
      for (const [blind, proof] of [
        [obs.blind, enc.proof],
        [c("guess"), enc.proof],
        [enc.blind, obs.proof],
      ] as const) {
        await expect(records.connect(hospitalB).access(terms, c("enc"), ZeroHash, [], blind, proof, PURPOSES.TREAT))
          .to.be.revertedWithCustomError(records, "RecordsOutOfScope")
          .withArgs(consentIdOf(terms), leafFor(p, c("enc")));
      }
    });

    it("refuses access without a consent", async function () {
      const { records, hospitalB, terms } = await consented();
      const never = { ...terms, nonce: 99n };
      await expect(records.connect(hospitalB).access(never, c("obs"), ZeroHash, [], ZeroHash, [], PURPOSES.TREAT))
        .to.be.revertedWithCustomError(records, "RecordsConsentMissing")
        .withArgs(consentIdOf(never));
    });

    it("refuses access before the consent's period starts", async function () {
      const { records, domain, patientAtA, hospitalB, ids, p } = await consented();
      const t = await now(networkHelpers);
      const later = treatTerms(p, ids.hospitalA, ids.hospitalB, t + DAY, { nonce: 3n });
      await records.grantConsent(
        later,
        later.validUntil,
        await signConsent(patientAtA, domain, later, later.validUntil),
      );
      await expect(records.connect(hospitalB).access(later, c("obs"), ZeroHash, [], ZeroHash, [], PURPOSES.TREAT))
        .to.be.revertedWithCustomError(records, "RecordsConsentNotYetValid")
        .withArgs(consentIdOf(later), t + DAY);
    });

    it("refuses access once the consent has expired", async function () {
      const { records, hospitalB, terms, consentId } = await consented();
      await networkHelpers.time.increaseTo(terms.validUntil);
      await expect(records.connect(hospitalB).access(terms, c("obs"), ZeroHash, [], ZeroHash, [], PURPOSES.TREAT))
        .to.be.revertedWithCustomError(records, "RecordsConsentExpired")
        .withArgs(consentId, terms.validUntil);
    });

    it("refuses access after the patient revoked the consent", async function () {
      const { records, domain, patientAtA, hospitalB, terms, consentId } = await consented();
      await records.revokeConsent(
        terms,
        terms.validUntil,
        await signRevocation(patientAtA, domain, terms, terms.validUntil),
      );
      const revokedAt = BigInt(await networkHelpers.time.latest());
      await expect(records.connect(hospitalB).access(terms, c("obs"), ZeroHash, [], ZeroHash, [], PURPOSES.TREAT))
        .to.be.revertedWithCustomError(records, "RecordsConsentRevoked")
        .withArgs(consentId, revokedAt);
    });

    it("refuses a record outside the consented categories", async function () {
      const { records, hospitalB, terms, consentId, p } = await consented();
      await expect(records.connect(hospitalB).access(terms, c("enc"), ZeroHash, [], ZeroHash, [], PURPOSES.TREAT))
        .to.be.revertedWithCustomError(records, "RecordsOutOfScope")
        .withArgs(consentId, leafFor(p, c("enc")));
    });

    it("refuses access for another purpose than the consent's", async function () {
      const { records, hospitalB, terms, consentId } = await consented();
      await expect(records.connect(hospitalB).access(terms, c("obs"), ZeroHash, [], ZeroHash, [], PURPOSES.HRESCH))
        .to.be.revertedWithCustomError(records, "RecordsWrongPurpose")
        .withArgs(consentId, PURPOSES.TREAT, PURPOSES.HRESCH);
    });

    it("refuses a member that is not the grantee", async function () {
      const { records, hospitalA, terms, consentId, ids } = await consented();
      await expect(records.connect(hospitalA).access(terms, c("obs"), ZeroHash, [], ZeroHash, [], PURPOSES.TREAT))
        .to.be.revertedWithCustomError(records, "RecordsNotGrantee")
        .withArgs(consentId, ids.hospitalA);
    });

    it("refuses a record the custodian did not anchor for the consenting patient", async function () {
      const { records, hospitalA, hospitalB, terms, ids, p } = await consented();
      await expect(records.connect(hospitalB).access(terms, c("ghost"), ZeroHash, [], ZeroHash, [], PURPOSES.TREAT))
        .to.be.revertedWithCustomError(records, "RecordsNotAnchored")
        .withArgs(ids.hospitalA, leafFor(p, c("ghost")), ZeroHash);
      // The custodian's record of another patient: its leaf binds the other patient's account.
      const other = Wallet.createRandom().address;
      await records.connect(hospitalA).anchor(leafFor(other, c("theirs")), OBS);
      await expect(records.connect(hospitalB).access(terms, c("theirs"), ZeroHash, [], ZeroHash, [], PURPOSES.TREAT))
        .to.be.revertedWithCustomError(records, "RecordsNotAnchored")
        .withArgs(ids.hospitalA, leafFor(p, c("theirs")), ZeroHash);
    });

    it("refuses an outsider, and any access while paused", async function () {
      const fx = await consented();
      const access = (who: typeof fx.outsider) =>
        fx.records.connect(who).access(fx.terms, c("obs"), ZeroHash, [], ZeroHash, [], PURPOSES.TREAT);
      await expect(access(fx.outsider))
        .to.be.revertedWithCustomError(fx.records, "ConsortiumGuardedUnauthorized")
        .withArgs(fx.outsider.address, ALL_KINDS);
      await pause(fx);
      await expect(access(fx.hospitalB))
        .to.be.revertedWithCustomError(fx.records, "ConsortiumGuardedPaused")
        .withArgs(MODULE_IDS.records);
    });
  });

  describe("access by grantees' signed requests (the gateway's audit)", function () {
    async function requested() {
      const fx = await networkHelpers.loadFixture(recordsFixture);
      const { records, domain, patientAtA, hospitalA, ids } = fx;
      const p = patientAtA.address;
      await records.connect(hospitalA).anchor(leafFor(p, c("obs")), OBS);
      const batch = buildBatch([
        [subjectOfAccount(p), c("b1")],
        [subjectOfAccount(p), c("b2")],
      ]);
      await records.connect(hospitalA).anchorBatch(batch.root, 2, OBS);
      await records.connect(hospitalA).anchor(leafFor(p, c("enc")), ENC);
      const t = await now(networkHelpers);
      const terms = treatTerms(p, ids.hospitalA, ids.hospitalB, t);
      await records.grantConsent(
        terms,
        terms.validUntil,
        await signConsent(patientAtA, domain, terms, terms.validUntil),
      );
      const reads = [
        { commitment: c("obs"), batchRoot: ZeroHash, batchProof: [], scopeBlind: ZeroHash, scopeProof: [] },
        {
          commitment: c("b2"),
          batchRoot: batch.root,
          batchProof: batch.proofs[1]!,
          scopeBlind: ZeroHash,
          scopeProof: [],
        },
      ];
      return { ...fx, terms, consentId: consentIdOf(terms), p, batch, reads, t };
    }
    type Requested = Awaited<ReturnType<typeof requested>>;
    const sign = (fx: Requested, signer: Parameters<typeof signedAccessRequest>[0] = fx.hospitalB, over = {}) =>
      signedAccessRequest(signer, fx.domain, fx.terms, fx.t, over);

    it("audits every read of the request after its own entry, and uses up the nonce", async function () {
      const fx = await requested();
      const { struct, signature, request } = await sign(fx);
      const tx = fx.records.connect(fx.hospitalA).accessByRequests(signedBatch(fx.terms, fx.reads, struct, signature));
      await expect(tx)
        .to.emit(fx.records, "AccessRequestAudited")
        .withArgs(fx.hospitalB.address, 1n, fx.consentId, request.requestHash, 2n);
      await expect(tx)
        .to.emit(fx.records, "RecordAccessed")
        .withArgs(
          fx.consentId,
          fx.ids.hospitalB,
          fx.ids.hospitalA,
          leafFor(fx.p, c("b2")),
          fx.batch.root,
          PURPOSES.TREAT,
        );
      expect(await fx.records.isRequestNonceUsed(fx.hospitalB.address, 1n)).to.equal(true);
      expect(await fx.records.isRequestNonceUsed(fx.hospitalB.address, 2n)).to.equal(false);
    });

    it("audits a request that read nothing (a search that found nothing)", async function () {
      const fx = await requested();
      const { struct, signature, request } = await sign(fx);
      await expect(fx.records.connect(fx.hospitalA).accessByRequests(signedBatch(fx.terms, [], struct, signature)))
        .to.emit(fx.records, "AccessRequestAudited")
        .withArgs(fx.hospitalB.address, 1n, fx.consentId, request.requestHash, 0n);
    });

    it("refuses the same signed request twice: the chain itself refuses a replay", async function () {
      const fx = await requested();
      const { struct, signature } = await sign(fx);
      await fx.records.connect(fx.hospitalA).accessByRequests(signedBatch(fx.terms, fx.reads, struct, signature));
      await expect(
        fx.records.connect(fx.hospitalA).accessByRequests(signedBatch(fx.terms, fx.reads, struct, signature)),
      )
        .to.be.revertedWithCustomError(fx.records, "RecordsRequestUsed")
        .withArgs(fx.hospitalB.address, 1n);
    });

    it("takes nonces in any order, each once", async function () {
      const fx = await requested();
      for (const nonce of [(5n << 200n) | 7n, 3n, (5n << 200n) | 6n]) {
        const { struct, signature } = await sign(fx, fx.hospitalB, { nonce });
        await fx.records.connect(fx.hospitalA).accessByRequests(signedBatch(fx.terms, [], struct, signature));
        expect(await fx.records.isRequestNonceUsed(fx.hospitalB.address, nonce)).to.equal(true);
      }
    });

    it("refuses a request past its deadline", async function () {
      const fx = await requested();
      const { struct, signature } = await sign(fx, fx.hospitalB, { deadline: fx.t + 60n });
      await networkHelpers.time.setNextBlockTimestamp(fx.t + 61n);
      await expect(
        fx.records.connect(fx.hospitalA).accessByRequests(signedBatch(fx.terms, fx.reads, struct, signature)),
      )
        .to.be.revertedWithCustomError(fx.records, "RecordsSignatureExpired")
        .withArgs(fx.t + 60n, fx.t + 61n);
    });

    it("refuses a signature that is not the named requester's, or a request changed after signing", async function () {
      const fx = await requested();
      const { struct, signature } = await sign(fx);
      const byOther = await sign(fx, fx.hospitalA);
      await expect(
        fx.records.connect(fx.hospitalA).accessByRequests(signedBatch(fx.terms, fx.reads, struct, byOther.signature)),
      )
        .to.be.revertedWithCustomError(fx.records, "RecordsInvalidRequestSignature")
        .withArgs(fx.hospitalB.address);
      const changed = { ...struct, requestHash: ethers.id("another request") };
      await expect(
        fx.records.connect(fx.hospitalA).accessByRequests(signedBatch(fx.terms, fx.reads, changed, signature)),
      )
        .to.be.revertedWithCustomError(fx.records, "RecordsInvalidRequestSignature")
        .withArgs(fx.hospitalB.address);
    });

    it("refuses a key of no member (one removed), and a key of a suspended member", async function () {
      const fx = await requested();
      const second = Wallet.createRandom();
      await fx.registry
        .connect(fx.hospitalB)
        .addAccount(second.address, await accountProofFor(fx.registry, second, fx.ids.hospitalB));
      await fx.registry.connect(fx.hospitalB).removeAccount(second.address);
      const removed = await sign(fx, second);
      await expect(
        fx.records
          .connect(fx.hospitalA)
          .accessByRequests(signedBatch(fx.terms, fx.reads, removed.struct, removed.signature)),
      )
        .to.be.revertedWithCustomError(fx.records, "RecordsRequesterNotActive")
        .withArgs(second.address, ZeroHash);
      await fx.registry.connect(fx.certifier).emergencySuspend(fx.ids.hospitalB);
      const { struct, signature } = await sign(fx);
      await expect(
        fx.records.connect(fx.hospitalA).accessByRequests(signedBatch(fx.terms, fx.reads, struct, signature)),
      )
        .to.be.revertedWithCustomError(fx.records, "RecordsRequesterNotActive")
        .withArgs(fx.hospitalB.address, fx.ids.hospitalB);
    });

    it("refuses a request signed by another member than the grantee", async function () {
      const fx = await requested();
      const { struct, signature } = await sign(fx, fx.insurer);
      await expect(
        fx.records.connect(fx.hospitalA).accessByRequests(signedBatch(fx.terms, fx.reads, struct, signature)),
      )
        .to.be.revertedWithCustomError(fx.records, "RecordsNotGrantee")
        .withArgs(fx.consentId, fx.ids.insurer);
    });

    it("lets only the consent's custodian submit: another member, an outsider, or anyone while paused is refused", async function () {
      const fx = await requested();
      const { struct, signature } = await sign(fx);
      await expect(fx.records.connect(fx.lab).accessByRequests(signedBatch(fx.terms, fx.reads, struct, signature)))
        .to.be.revertedWithCustomError(fx.records, "RecordsNotCustodian")
        .withArgs(fx.consentId, fx.ids.lab);
      // Not even the grantee audits its own request: the custodian serving the records does.
      await expect(
        fx.records.connect(fx.hospitalB).accessByRequests(signedBatch(fx.terms, fx.reads, struct, signature)),
      )
        .to.be.revertedWithCustomError(fx.records, "RecordsNotCustodian")
        .withArgs(fx.consentId, fx.ids.hospitalB);
      await expect(fx.records.connect(fx.insurer).accessByRequests(signedBatch(fx.terms, fx.reads, struct, signature)))
        .to.be.revertedWithCustomError(fx.records, "ConsortiumGuardedUnauthorized")
        .withArgs(fx.insurer.address, ANCHOR_KINDS);
      await expect(fx.records.connect(fx.outsider).accessByRequests(signedBatch(fx.terms, fx.reads, struct, signature)))
        .to.be.revertedWithCustomError(fx.records, "ConsortiumGuardedUnauthorized")
        .withArgs(fx.outsider.address, ANCHOR_KINDS);
      await pause(fx);
      await expect(
        fx.records.connect(fx.hospitalA).accessByRequests(signedBatch(fx.terms, fx.reads, struct, signature)),
      )
        .to.be.revertedWithCustomError(fx.records, "ConsortiumGuardedPaused")
        .withArgs(MODULE_IDS.records);
    });

    it("checks every read as access does: scope, the patient's binding, consent state and purpose", async function () {
      const fx = await requested();
      const audit = async (reads: typeof fx.reads, over = {}) => {
        const { struct, signature } = await sign(fx, fx.hospitalB, over);
        return fx.records.connect(fx.hospitalA).accessByRequests(signedBatch(fx.terms, reads, struct, signature));
      };
      const one = (commitment: string) => [{ ...fx.reads[0]!, commitment }];
      await expect(audit(one(c("enc"))))
        .to.be.revertedWithCustomError(fx.records, "RecordsOutOfScope")
        .withArgs(fx.consentId, leafFor(fx.p, c("enc")));
      await expect(audit(one(c("ghost"))))
        .to.be.revertedWithCustomError(fx.records, "RecordsNotAnchored")
        .withArgs(fx.ids.hospitalA, leafFor(fx.p, c("ghost")), ZeroHash);
      await expect(audit(fx.reads, { purpose: PURPOSES.HRESCH }))
        .to.be.revertedWithCustomError(fx.records, "RecordsWrongPurpose")
        .withArgs(fx.consentId, PURPOSES.TREAT, PURPOSES.HRESCH);
      await fx.records.revokeConsent(
        fx.terms,
        fx.terms.validUntil,
        await signRevocation(fx.patientAtA, fx.domain, fx.terms, fx.terms.validUntil),
      );
      await expect(audit(fx.reads)).to.be.revertedWithCustomError(fx.records, "RecordsConsentRevoked");
    });

    it("accepts an ERC-1271 wallet that is an account of the grantee", async function () {
      const fx = await requested();
      const walletAddress = await fx.wallet.getAddress();
      await fx.registry
        .connect(fx.hospitalB)
        .addAccount(
          walletAddress,
          await accountProofFor(fx.registry, fx.walletOwner, fx.ids.hospitalB, { account: walletAddress }),
        );
      const request = {
        requester: await fx.wallet.getAddress(),
        consentId: fx.consentId,
        purpose: PURPOSES.TREAT,
        requestHash: ethers.id("wallet request"),
        nonce: 9n,
        deadline: fx.t + 3600n,
      };
      const signature = await signAccessRequest(fx.walletOwner, fx.domain, request);
      await expect(
        fx.records
          .connect(fx.hospitalA)
          .accessByRequests(signedBatch(fx.terms, fx.reads, contractRequest(request), signature)),
      )
        .to.emit(fx.records, "AccessRequestAudited")
        .withArgs(request.requester, 9n, fx.consentId, request.requestHash, 2n);
    });

    it("audits many requests in one transaction, all or none, in order", async function () {
      const fx = await requested();
      const one = async (nonce: bigint, reads = fx.reads) => {
        const { struct, signature } = await sign(fx, fx.hospitalB, { nonce });
        return signedBatch(fx.terms, reads, struct, signature)[0]!;
      };
      const bad = [{ ...fx.reads[0]!, commitment: c("ghost") }];
      await expect(fx.records.connect(fx.hospitalA).accessByRequests([await one(1n), await one(2n, bad)]))
        .to.be.revertedWithCustomError(fx.records, "RecordsNotAnchored")
        .withArgs(fx.ids.hospitalA, leafFor(fx.p, c("ghost")), ZeroHash);
      expect(await fx.records.isRequestNonceUsed(fx.hospitalB.address, 1n)).to.equal(false);
      // The same nonce twice in one batch: the second is a replay of the first.
      await expect(fx.records.connect(fx.hospitalA).accessByRequests([await one(1n), await one(1n)]))
        .to.be.revertedWithCustomError(fx.records, "RecordsRequestUsed")
        .withArgs(fx.hospitalB.address, 1n);
      const batch = [await one(1n), await one(2n, fx.reads.slice(0, 1))];
      const receipt = await (await fx.records.connect(fx.hospitalA).accessByRequests(batch)).wait();
      const names = receipt!.logs.map((l) => fx.records.interface.parseLog(l)?.name);
      expect(names).to.deep.equal([
        "AccessRequestAudited",
        "RecordAccessed",
        "RecordAccessed",
        "AccessRequestAudited",
        "RecordAccessed",
      ]);
    });

    it("does nothing for an empty batch but still refuses an outsider", async function () {
      const fx = await requested();
      const receipt = await (await fx.records.connect(fx.hospitalA).accessByRequests([])).wait();
      expect(receipt!.logs).to.have.length(0);
      await expect(fx.records.connect(fx.outsider).accessByRequests([]))
        .to.be.revertedWithCustomError(fx.records, "ConsortiumGuardedUnauthorized")
        .withArgs(fx.outsider.address, ANCHOR_KINDS);
    });

    it("exposes the EIP-712 type the SDK signs", async function () {
      const fx = await requested();
      expect(await fx.records.ACCESS_REQUEST_TYPEHASH()).to.equal(
        ethers.id(
          "AccessRequest(address requester,bytes32 consentId,uint8 purpose,bytes32 requestHash,uint256 nonce,uint256 deadline)",
        ),
      );
    });
  });

  describe("break-glass", function () {
    it("lets an active hospital access without consent, flagged unreviewed until a regulator reviews it", async function () {
      const { records, hospitalA, hospitalB, regulator, ids } = await networkHelpers.loadFixture(recordsFixture);
      await records.connect(hospitalA).anchor(L("a"), OBS);
      await expect(records.connect(hospitalB).breakGlass(ids.hospitalA, ...pair("a"), ZeroHash, [], 7))
        .to.emit(records, "BreakGlassAccessed")
        .withArgs(1n, ids.hospitalB, ids.hospitalA, L("a"), ZeroHash, 7);
      const t = BigInt(await networkHelpers.time.latest());
      const entry = await records.getBreakGlass(1);
      expect([
        entry.memberId,
        entry.issuer,
        entry.leaf,
        entry.accessedAt,
        entry.reasonCode,
        entry.reviewed,
      ]).to.deep.equal([ids.hospitalB, ids.hospitalA, L("a"), t, 7n, false]);
      expect((await records.overdueReviews(1, 10))[0]).to.deep.equal([]);
      await networkHelpers.time.increase(72 * 3600);
      expect(await records.overdueReviews(0, 10)).to.deep.equal([[1n], 0n]);
      await expect(records.connect(regulator).markReviewed(1))
        .to.emit(records, "BreakGlassReviewed")
        .withArgs(1n, ids.regulator);
      const reviewed = await records.getBreakGlass(1);
      expect([reviewed.reviewed, reviewed.reviewedAt, reviewed.reviewer]).to.deep.equal([
        true,
        BigInt(await networkHelpers.time.latest()),
        ids.regulator,
      ]);
      expect((await records.overdueReviews(1, 10))[0]).to.deep.equal([]);
      await expect(records.connect(regulator).markReviewed(1))
        .to.be.revertedWithCustomError(records, "RecordsAlreadyReviewed")
        .withArgs(1n);
    });

    it("pages through overdue reviews", async function () {
      const { records, hospitalA, hospitalB, ids } = await networkHelpers.loadFixture(recordsFixture);
      await records.connect(hospitalA).anchor(L("a"), OBS);
      for (let i = 0; i < 3; i++)
        await records.connect(hospitalB).breakGlass(ids.hospitalA, ...pair("a"), ZeroHash, [], 1);
      await networkHelpers.time.increase(72 * 3600);
      expect(await records.breakGlassCount()).to.equal(3n);
      expect(await records.overdueReviews(1, 2)).to.deep.equal([[1n, 2n], 3n]);
      expect(await records.overdueReviews(3, 2)).to.deep.equal([[3n], 0n]);
      expect(await records.overdueReviews(5, 2)).to.deep.equal([[], 0n]);
      // Any page size, even the largest, and any start are answered.
      expect(await records.overdueReviews(2, ethers.MaxUint256)).to.deep.equal([[2n, 3n], 0n]);
      expect(await records.overdueReviews(ethers.MaxUint256, ethers.MaxUint256)).to.deep.equal([[], 0n]);
    });

    it("refuses a laboratory, an outsider, and a record its issuer did not anchor", async function () {
      const { records, hospitalA, lab, outsider, ids } = await networkHelpers.loadFixture(recordsFixture);
      await records.connect(hospitalA).anchor(L("a"), OBS);
      await expect(records.connect(lab).breakGlass(ids.hospitalA, ...pair("a"), ZeroHash, [], 1))
        .to.be.revertedWithCustomError(records, "ConsortiumGuardedUnauthorized")
        .withArgs(lab.address, 1);
      await expect(records.connect(outsider).breakGlass(ids.hospitalA, ...pair("a"), ZeroHash, [], 1))
        .to.be.revertedWithCustomError(records, "ConsortiumGuardedUnauthorized")
        .withArgs(outsider.address, 1);
      await expect(records.connect(hospitalA).breakGlass(ids.hospitalB, ...pair("a"), ZeroHash, [], 1))
        .to.be.revertedWithCustomError(records, "RecordsNotAnchored")
        .withArgs(ids.hospitalB, L("a"), ZeroHash);
    });

    it("lets only a regulator review, never the member that accessed, and only an existing access", async function () {
      const { records, hospitalA, hospitalRegulator, regulator, ids } =
        await networkHelpers.loadFixture(recordsFixture);
      await records.connect(hospitalA).anchor(L("a"), OBS);
      await records.connect(hospitalA).breakGlass(ids.hospitalA, ...pair("a"), ZeroHash, [], 1);
      await records.connect(hospitalRegulator).breakGlass(ids.hospitalA, ...pair("a"), ZeroHash, [], 2);
      await expect(records.connect(hospitalA).markReviewed(1))
        .to.be.revertedWithCustomError(records, "ConsortiumGuardedUnauthorized")
        .withArgs(hospitalA.address, 64);
      await expect(records.connect(hospitalRegulator).markReviewed(2))
        .to.be.revertedWithCustomError(records, "RecordsSelfReview")
        .withArgs(2n, ids.hospitalRegulator);
      await expect(records.connect(hospitalRegulator).markReviewed(1))
        .to.emit(records, "BreakGlassReviewed")
        .withArgs(1n, ids.hospitalRegulator);
      await expect(records.connect(regulator).markReviewed(2))
        .to.emit(records, "BreakGlassReviewed")
        .withArgs(2n, ids.regulator);
      await expect(records.connect(regulator).markReviewed(3))
        .to.be.revertedWithCustomError(records, "RecordsUnknownBreakGlass")
        .withArgs(3n);
      await expect(records.connect(regulator).markReviewed(0))
        .to.be.revertedWithCustomError(records, "RecordsUnknownBreakGlass")
        .withArgs(0n);
      await expect(records.getBreakGlass(3))
        .to.be.revertedWithCustomError(records, "RecordsUnknownBreakGlass")
        .withArgs(3n);
    });
  });

  it("derives a different patient account at every hospital from the one patient secret", async function () {
    const { patientAtA, patientAtB, ids } = await networkHelpers.loadFixture(recordsFixture);
    const { patientAccountFor } = await import("../../src/records/consent.js");
    const again = patientAccountFor("0x" + "5a".repeat(32), ids.hospitalA);
    expect(again.address).to.equal(patientAtA.address);
    expect(patientAtB.address).to.not.equal(patientAtA.address);
    expect(Wallet.createRandom().address).to.not.equal(patientAtB.address);
  });
});
