import { expect } from "chai";
import { network } from "hardhat";
import { AbiCoder, hexlify, keccak256, sha256, toUtf8Bytes, type Log } from "ethers";

import { deployRecords, now, treatTerms } from "./fixture.js";
import { randomSalt, recordCommitment } from "../../src/records/commitment.js";
import { buildBatch } from "../../src/records/merkle.js";
import { patientAccountFor, PURPOSES, signConsent } from "../../src/records/consent.js";
import { CATEGORIES } from "../../src/records/categories.js";

const { ethers, networkHelpers } = await network.create();

/** Invented people. The observer knows all of them as candidates; two are real patients here. */
const CANDIDATES = [
  { name: "Ada Quinlan", nationalId: "NID-4410-0001", birthDate: "1984-03-09" },
  { name: "Ben Okafor", nationalId: "NID-4410-0002", birthDate: "1990-11-21" },
  { name: "Cleo Marsh", nationalId: "NID-4410-0003", birthDate: "1975-06-30" },
];

function observation(patient: (typeof CANDIDATES)[number], code: string, value: number) {
  return {
    resourceType: "Observation",
    status: "final",
    code: { coding: [{ system: "http://loinc.org", code }] },
    subject: { identifier: { system: "urn:oid:2.16.840.1.113883.2.9.4.3.2", value: patient.nationalId } },
    valueQuantity: { value, unit: "mg/dL" },
  };
}

/** Every 32-byte word an observer can read: event topics and data, and transaction calldata. */
interface ChainItem {
  kind: string;
  words: string[];
  text: string;
}

/**
 * Whether a 32-byte word could identify something: at least 8 non-zero bytes (small numbers,
 * flags, times and padded single bytes cannot) and not a public member id.
 */
function identifyingWord(w: string, publicWords: Set<string>): boolean {
  const bytes = w.slice(2).match(/../g)!;
  return bytes.filter((b) => b !== "00").length >= 8 && !publicWords.has(w.toLowerCase());
}

function words(hex: string): string[] {
  const body = hex.startsWith("0x") ? hex.slice(2) : hex;
  const out: string[] = [];
  for (let i = 0; i + 64 <= body.length; i += 64) out.push("0x" + body.slice(i, i + 64));
  return out;
}

describe("records privacy: an observer with all chain data and a list of candidate patients", function () {
  async function recordsFixture() {
    return deployRecords(ethers);
  }

  async function scenario() {
    const fx = await networkHelpers.loadFixture(recordsFixture);
    const { records, hospitalA, hospitalB, lab, ids, domain } = fx;
    const [ada, ben] = [CANDIDATES[0]!, CANDIDATES[1]!];
    const secrets = { ada: randomSalt(), ben: randomSalt() };
    // Hospital A anchors Ada's and Ben's results (one alone, the others in a batch); the lab anchors Ada's.
    const adaAtA = recordCommitment(observation(ada, "2345-7", 104), randomSalt());
    const adaAtA2 = recordCommitment(observation(ada, "2160-0", 0.9), randomSalt());
    const benAtA = recordCommitment(observation(ben, "2345-7", 131), randomSalt());
    const adaAtLab = recordCommitment(observation(ada, "4548-4", 6.1), randomSalt());
    await records.connect(hospitalA).anchor(adaAtA, CATEGORIES.observation);
    const batch = buildBatch([adaAtA2, benAtA]);
    await records.connect(hospitalA).anchorBatch(batch.root, 2, CATEGORIES.observation);
    await records.connect(lab).anchor(adaAtLab, CATEGORIES.observation);
    // Ada consents to hospital B and to the lab, Ben to hospital B, each through a per-grantee account.
    const t = await now(networkHelpers);
    const consents = [
      { who: "ada", patient: patientAccountFor(secrets.ada, ids.hospitalB), grantee: ids.hospitalB },
      { who: "ada", patient: patientAccountFor(secrets.ada, ids.lab), grantee: ids.lab },
      { who: "ben", patient: patientAccountFor(secrets.ben, ids.hospitalB), grantee: ids.hospitalB },
    ];
    const terms = [];
    for (const c of consents) {
      const tt = treatTerms(c.patient.address, c.grantee, t);
      await records.grantConsent(tt, tt.validUntil, await signConsent(c.patient, domain, tt, tt.validUntil));
      terms.push(tt);
    }
    // Hospital B reads Ada's record from hospital A under Ada's consent.
    await records.connect(hospitalB).access(terms[0]!, adaAtA, 0, [], [], PURPOSES.TREAT);

    // What the observer collects: every log of the registry and every transaction's calldata.
    const logs: Log[] = await ethers.provider.getLogs({ address: await records.getAddress(), fromBlock: 0 });
    const items: ChainItem[] = logs.map((log) => ({
      kind: records.interface.parseLog(log)!.name,
      words: [...log.topics.slice(1), ...words(log.data)],
      text: log.data + log.topics.join(""),
    }));
    const latest = await ethers.provider.getBlockNumber();
    for (let n = 0; n <= latest; n++) {
      const block = await ethers.provider.getBlock(n, true);
      for (const tx of block!.prefetchedTransactions) {
        if (tx.to?.toLowerCase() === (await records.getAddress()).toLowerCase()) {
          items.push({ kind: "calldata", words: words(tx.data.slice(10)), text: tx.data });
        }
      }
    }
    return { fx, items, secrets, consents, commitments: { adaAtA, adaAtA2, benAtA, adaAtLab }, batch };
  }

  it("finds no candidate's identifier, name or any hash of them anywhere on chain", async function () {
    const { items } = await scenario();
    const all = new Set(items.flatMap((i) => i.words.map((w) => w.toLowerCase())));
    const text = items.map((i) => i.text.toLowerCase()).join("");
    for (const c of CANDIDATES) {
      for (const value of [c.name, c.nationalId, c.birthDate, `Patient/${c.nationalId}`]) {
        const guesses = [
          keccak256(toUtf8Bytes(value)),
          sha256(toUtf8Bytes(value)),
          keccak256(AbiCoder.defaultAbiCoder().encode(["string"], [value])),
        ];
        for (const g of guesses) expect(all.has(g.toLowerCase()), `${value} hashed`).to.equal(false);
        expect(text.includes(hexlify(toUtf8Bytes(value)).slice(2).toLowerCase()), `${value} in clear`).to.equal(false);
      }
    }
  });

  it("cannot group anchored records by patient: no two anchors share any identifying value", async function () {
    const { fx, items } = await scenario();
    const publicWords = new Set(Object.values(fx.ids).map((id) => id.toLowerCase()));
    const anchors = items.filter((i) => i.kind === "RecordAnchored" || i.kind === "RecordBatchAnchored");
    expect(anchors).to.have.length(3);
    const identifying = (i: ChainItem) =>
      new Set(i.words.map((w) => w.toLowerCase()).filter((w) => identifyingWord(w, publicWords)));
    for (let a = 0; a < anchors.length; a++) {
      for (let b = a + 1; b < anchors.length; b++) {
        const shared = [...identifying(anchors[a]!)].filter((w) => identifying(anchors[b]!).has(w));
        expect(shared, `anchors ${a} and ${b}`).to.deep.equal([]);
      }
    }
  });

  it("cannot link one patient's consents to two hospitals, unless it holds the patient's secret", async function () {
    const { fx, items, secrets, consents } = await scenario();
    const publicWords = new Set(Object.values(fx.ids).map((id) => id.toLowerCase()));
    const granted = fx.records.filters.ConsentGranted();
    const events = await fx.records.queryFilter(granted);
    expect(events).to.have.length(3);
    const identifying = (e: (typeof events)[number]) =>
      new Set(
        [...e.topics.slice(1), ...words(e.data)]
          .map((w) => w.toLowerCase())
          .filter((w) => identifyingWord(w, publicWords)),
      );
    const [toB, toLab] = [events[0]!, events[1]!];
    expect([...identifying(toB)].filter((w) => identifying(toLab).has(w))).to.deep.equal([]);
    // Not through calldata either: the grant transactions share nothing but public values.
    const grants = items.filter(
      (i) => i.kind === "calldata" && i.text.startsWith(fx.records.interface.getFunction("grantConsent").selector),
    );
    const idWords = (i: ChainItem) => new Set(i.words.filter((w) => identifyingWord(w, publicWords)));
    expect([...idWords(grants[0]!)].filter((w) => idWords(grants[1]!).has(w))).to.deep.equal([]);
    // Guessing the secret from a candidate's identifiers does not help.
    for (const c of CANDIDATES) {
      const guess = keccak256(toUtf8Bytes(c.nationalId));
      expect(patientAccountFor(guess, fx.ids.hospitalB).address).to.not.be.oneOf(
        consents.map((x) => x.patient.address),
      );
    }
    // With Ada's secret (her app, or a regulator she gives it to), both of her consents are found.
    const adaAccounts = [fx.ids.hospitalB, fx.ids.lab].map((g) => patientAccountFor(secrets.ada, g).address);
    const found = events.filter((e) => adaAccounts.includes(e.args.patient));
    expect(found.map((e) => e.args.grantee)).to.deep.equal([fx.ids.hospitalB, fx.ids.lab]);
  });

  it("shows an access only to the consent's own pseudonym, never to a patient identity", async function () {
    const { fx, items } = await scenario();
    const accessed = items.filter((i) => i.kind === "RecordAccessed");
    expect(accessed).to.have.length(1);
    const log = (await fx.records.queryFilter(fx.records.filters.RecordAccessed()))[0]!;
    // indexed: only the grantee member (public); the consent id is in the data, not a topic
    expect(log.topics.slice(1)).to.deep.equal([fx.ids.hospitalB]);
  });
});
