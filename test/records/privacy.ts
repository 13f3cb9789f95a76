import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { network } from "hardhat";
import { AbiCoder, hexlify, keccak256, sha256, toUtf8Bytes, type Log } from "ethers";

import { deployRecords, now, treatTerms } from "./fixture.js";
import { leafOfPair } from "../../src/chain/merkle-leaf.js";
import { recordAccess } from "../../src/records/access.js";
import { anchorRecords } from "../../src/records/anchor.js";
import { randomSalt } from "../../src/records/commitment.js";
import { patientAccountFor, PURPOSES, signConsent } from "../../src/records/consent.js";
import {
  consentFileOf,
  newRecordsScope,
  scopeRootOf,
  scopeValues,
  type ConsentFile,
} from "../../src/records/consent-file.js";
import { recordInput } from "../../src/records/input.js";
import { buildBatch, recordLeaf } from "../../src/records/merkle.js";
import { PATIENTS_FORMAT, patientMapOf } from "../../src/records/patients.js";
import { readProof, type RecordProof } from "../../src/records/proof.js";

const { ethers, networkHelpers } = await network.create();

/** Invented people. The observer knows all of them as candidates; two are real patients here. */
const CANDIDATES = [
  { name: "Ada Quinlan", nationalId: "NID-4410-0001", birthDate: "1984-03-09" },
  { name: "Ben Okafor", nationalId: "NID-4410-0002", birthDate: "1990-11-21" },
  { name: "Cleo Marsh", nationalId: "NID-4410-0003", birthDate: "1975-06-30" },
];
type Candidate = (typeof CANDIDATES)[number];
const ID_SYSTEM = "urn:oid:2.16.840.1.113883.2.9.4.3.2";

function observation(patient: Candidate, code: string, value: number) {
  return {
    resourceType: "Observation",
    status: "final",
    code: { coding: [{ system: "http://loinc.org", code }] },
    subject: { identifier: { system: ID_SYSTEM, value: patient.nationalId } },
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
  for (let i = 0; i + 64 <= body.length; i += 64) out.push("0x" + body.slice(i, i + 64).toLowerCase());
  return out;
}

describe("records privacy: an observer with all chain data and a list of candidate patients", function () {
  async function recordsFixture() {
    return deployRecords(ethers);
  }

  let dir: string;
  beforeEach(async function () {
    dir = await mkdtemp(path.join(tmpdir(), "medchain-privacy-"));
  });
  afterEach(async function () {
    await rm(dir, { recursive: true, force: true });
  });

  async function scenario() {
    const fx = await networkHelpers.loadFixture(recordsFixture);
    const { records, hospitalA, hospitalB, lab, ids, domain } = fx;
    const [ada, ben] = [CANDIDATES[0]!, CANDIDATES[1]!];
    const secrets = { ada: randomSalt(), ben: randomSalt() };
    const account = (who: "ada" | "ben", issuer: string) => patientAccountFor(secrets[who], issuer);
    const ref = (c: Candidate) => `identifier:${ID_SYSTEM}|${c.nationalId}`;
    const { chainId } = await ethers.provider.getNetwork();
    const registryAddress = await records.getAddress();
    /** One hospital's anchoring job through the SDK, with its own patients file. */
    const anchorAt = async (
      signer: typeof hospitalA,
      issuer: string,
      entries: Array<{ name: string; resource: object }>,
      billing: boolean,
    ): Promise<RecordProof[]> => {
      const patients = patientMapOf(
        {
          format: PATIENTS_FORMAT,
          patients: [ada, ben].map((c) => ({
            reference: ref(c),
            account: account(c === ada ? "ada" : "ben", issuer).address,
            ...(billing ? { billingRef: keccak256(toUtf8Bytes(`insurer-card HMAC of ${c.nationalId}`)) } : {}),
          })),
        },
        "patients.json",
      );
      const out = path.join(dir, issuer.slice(2, 10));
      const result = await anchorRecords(
        records.connect(signer),
        entries.map((e) => recordInput(e.name, e.name, e.resource as never)),
        { chainId, registryAddress, patients, outDir: out, salts: { kind: "random" }, minBatch: 2 },
      );
      return Promise.all(result.proofs.map((f) => readProof(f)));
    };
    // Hospital A anchors Ada's two results and Ben's (one batch, billing leaves in a batch of their
    // own); the lab anchors one of Ada's alone.
    const atA = await anchorAt(
      hospitalA,
      ids.hospitalA,
      [
        { name: "ada-glucose", resource: observation(ada, "2345-7", 104) },
        { name: "ada-creatinine", resource: observation(ada, "2160-0", 0.9) },
        { name: "ben-glucose", resource: observation(ben, "2345-7", 131) },
        { name: "ada-potassium", resource: observation(ada, "2823-3", 4.2) },
      ],
      true,
    );
    const [atLab] = await anchorAt(
      lab,
      ids.lab,
      [{ name: "ada-hba1c", resource: observation(ada, "4548-4", 6.1) }],
      false,
    );

    // Ada consents to hospital B for her records at A (categories, and separately two specific
    // records) and at the lab; Ben consents to B for his at A. Each signs with her or his account there.
    const t = await now(networkHelpers);
    const grant = async (
      who: "ada" | "ben",
      custodian: string,
      over = {},
      scope?: ReturnType<typeof newRecordsScope>,
    ) => {
      const patient = account(who, custodian);
      const terms = treatTerms(patient.address, custodian, ids.hospitalB, t, over);
      await records.grantConsent(terms, terms.validUntil, await signConsent(patient, domain, terms, terms.validUntil));
      return consentFileOf(terms, scope, chainId, registryAddress);
    };
    // A scope of two records (creatinine, potassium) where the potassium's scope leaf is a direct
    // sibling in the creatinine's scope proof: the strongest case for an observer to exploit.
    const adaAtA = account("ada", ids.hospitalA).address;
    let adaScope = newRecordsScope([atA[1]!.record.commitment, atA[3]!.record.commitment]);
    const sibling = (scope: typeof adaScope) => {
      const values = scopeValues(adaAtA, scope);
      return buildBatch(values).proofs[0]!.includes(leafOfPair(...values[1]!));
    };
    while (!sibling(adaScope)) adaScope = newRecordsScope(adaScope.commitments);
    const consents: Record<string, ConsentFile> = {
      adaAtA: await grant("ada", ids.hospitalA),
      adaAtLab: await grant("ada", ids.lab),
      benAtA: await grant("ben", ids.hospitalA),
      adaAtASpecific: await grant(
        "ada",
        ids.hospitalA,
        { categories: 0n, recordsRoot: scopeRootOf(adaAtA, adaScope), nonce: 2n },
        adaScope,
      ),
    };
    // Hospital B reads Ada's glucose at A (category consent), her creatinine at A (specific consent:
    // her potassium, also in its scope, is never read), and her HbA1c at the lab.
    const asB = records.connect(hospitalB);
    const where = { consent: "consent", proof: "proof" };
    await recordAccess(asB, consents.adaAtA!, atA[0]!, PURPOSES.TREAT, where);
    await recordAccess(asB, consents.adaAtASpecific!, atA[1]!, PURPOSES.TREAT, where);
    await recordAccess(asB, consents.adaAtLab!, atLab!, PURPOSES.TREAT, where);

    // What the observer collects: every log of the registry and every transaction's calldata.
    const logs: Log[] = await ethers.provider.getLogs({ address: registryAddress, fromBlock: 0 });
    const items: ChainItem[] = logs.map((log) => ({
      kind: records.interface.parseLog(log)!.name,
      words: [...log.topics.slice(1).map((w) => w.toLowerCase()), ...words(log.data)],
      text: log.data + log.topics.join(""),
    }));
    const latest = await ethers.provider.getBlockNumber();
    for (let n = 0; n <= latest; n++) {
      const block = await ethers.provider.getBlock(n, true);
      for (const tx of block!.prefetchedTransactions) {
        if (tx.to?.toLowerCase() === registryAddress.toLowerCase()) {
          const fn = records.interface.parseTransaction({ data: tx.data })!.name;
          items.push({ kind: `calldata:${fn}`, words: words(tx.data.slice(10)), text: tx.data });
        }
      }
    }
    const publicWords = new Set(Object.values(ids).map((id) => id.toLowerCase()));
    return { fx, items, secrets, consents, atA, atLab: atLab!, publicWords, adaScope };
  }

  const identifying = (item: ChainItem, publicWords: Set<string>) =>
    new Set(item.words.filter((w) => identifyingWord(w, publicWords)));
  const shared = (a: ChainItem, b: ChainItem, publicWords: Set<string>) => {
    const right = identifying(b, publicWords);
    return [...identifying(a, publicWords)].filter((w) => right.has(w));
  };

  it("finds no candidate's identifier, name or any hash of them anywhere on chain", async function () {
    const { items } = await scenario();
    const all = new Set(items.flatMap((i) => i.words));
    const text = items.map((i) => i.text.toLowerCase()).join("");
    for (const c of CANDIDATES) {
      for (const value of [
        c.name,
        c.nationalId,
        c.birthDate,
        `Patient/${c.nationalId}`,
        `${ID_SYSTEM}|${c.nationalId}`,
      ]) {
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
    const { items, publicWords } = await scenario();
    const anchors = items.filter((i) =>
      ["RecordAnchored", "RecordBatchAnchored", "calldata:anchor", "calldata:anchorBatch"].includes(i.kind),
    );
    // A: one batch of records, one of billing leaves; the lab: one record alone (events and calldata).
    expect(anchors).to.have.length(6);
    const events = anchors.filter((i) => !i.kind.startsWith("calldata"));
    for (let a = 0; a < events.length; a++) {
      for (let b = a + 1; b < events.length; b++) {
        expect(shared(events[a]!, events[b]!, publicWords), `anchors ${a} and ${b}`).to.deep.equal([]);
      }
    }
  });

  it("cannot link one patient's consents or accesses at two hospitals, unless it holds the patient's secret", async function () {
    const { fx, items, secrets, publicWords } = await scenario();
    const granted = await fx.records.queryFilter(fx.records.filters.ConsentGranted());
    expect(granted).to.have.length(4);
    const asItem = (e: (typeof granted)[number]): ChainItem => ({
      kind: "ConsentGranted",
      words: [...e.topics.slice(1), ...words(e.data)].map((w) => w.toLowerCase()),
      text: e.data,
    });
    // Ada's consent for her records at A and the one for her records at the lab share nothing.
    const [adaAtA, adaAtLab] = [asItem(granted[0]!), asItem(granted[1]!)];
    expect(shared(adaAtA, adaAtLab, publicWords)).to.deep.equal([]);
    // Nor do the grant transactions, nor her accesses at the two custodians (events and calldata).
    const grants = items.filter((i) => i.kind === "calldata:grantConsent");
    expect(shared(grants[0]!, grants[1]!, publicWords)).to.deep.equal([]);
    const accessCalls = items.filter((i) => i.kind === "calldata:access");
    const accessEvents = items.filter((i) => i.kind === "RecordAccessed");
    expect(accessCalls).to.have.length(3);
    expect(shared(accessCalls[0]!, accessCalls[2]!, publicWords)).to.deep.equal([]);
    expect(shared(accessEvents[0]!, accessEvents[2]!, publicWords)).to.deep.equal([]);
    expect(shared(accessCalls[1]!, accessCalls[2]!, publicWords)).to.deep.equal([]);
    // Guessing the secret from a candidate's identifiers does not help.
    const accounts = granted.map((e) => e.args.patient);
    for (const c of CANDIDATES) {
      const guess = keccak256(toUtf8Bytes(c.nationalId));
      for (const issuer of [fx.ids.hospitalA, fx.ids.lab]) {
        expect(patientAccountFor(guess, issuer).address).to.not.be.oneOf(accounts);
      }
    }
    // With Ada's secret (her app, or a regulator she gives it to), all her consents are found.
    const adaAccounts = [fx.ids.hospitalA, fx.ids.lab].map((i) => patientAccountFor(secrets.ada, i).address);
    const found = granted.filter((e) => adaAccounts.includes(e.args.patient));
    expect(found.map((e) => e.args.custodian)).to.deep.equal([fx.ids.hospitalA, fx.ids.lab, fx.ids.hospitalA]);
  });

  it("learns nothing about unread in-scope records from a specific-records access's scope proof", async function () {
    const { fx, items, atA, adaScope } = await scenario();
    const call = items.filter((i) => i.kind === "calldata:access")[1]!;
    const scopeProof = (fx.records.interface.parseTransaction({ data: call.text })!.args.scopeProof as string[]).map(
      (w) => w.toLowerCase(),
    );
    expect(scopeProof.length).to.be.greaterThan(0);
    // Ada's potassium at A is in the consent's scope but never read.
    const potassium = atA[3]!.record;
    const unread = recordLeaf(potassium.subject, potassium.commitment);
    // Every record leaf the observer could know (here even the real ones), and every word seen on chain.
    const known = new Set(items.flatMap((i) => i.words));
    const leaves = atA.map((p) => recordLeaf(p.record.subject, p.record.commitment));
    // The old attack: an anchored record leaf among the scope proof's siblings.
    for (const leaf of leaves) expect(scopeProof, "a bare record leaf in the scope proof").to.not.include(leaf);
    // The new one: a scope leaf ofPair(blind, leaf) built from any value seen on chain.
    const siblings = new Set(scopeProof);
    for (const blind of known) expect(siblings.has(leafOfPair(blind, unread).toLowerCase())).to.equal(false);
    // Holding the scope secret (patient and grantee do), the unread record's scope leaf is there.
    const patient = `0x${potassium.subject.slice(26)}`;
    const [blind] = scopeValues(patient, adaScope)[1]!;
    expect(leafOfPair(blind, unread).toLowerCase()).to.be.oneOf([...siblings]);
  });

  it("cannot join a claim's documentation to the record's consent and access path", async function () {
    const { items, atA, publicWords } = await scenario();
    // What a claim citing Ada's glucose puts in its calldata: patient reference, documentation
    // commitment, and the billing leaf's batch root and path.
    const billing = atA[0]!.billing!;
    const claim: ChainItem = {
      kind: "claim",
      words: [billing.subject, billing.commitment, billing.batchRoot, ...billing.proof].map((w) => w.toLowerCase()),
      text: "",
    };
    const path_ = items.filter((i) =>
      ["calldata:access", "RecordAccessed", "calldata:grantConsent", "ConsentGranted"].includes(i.kind),
    );
    for (const item of path_) expect(shared(claim, item, publicWords), item.kind).to.deep.equal([]);
    // Nor through the anchoring: the billing leaves sit in their own batch, never next to record leaves.
    const record = atA[0]!.record;
    expect(billing.batchRoot).to.not.equal(record.batchRoot);
    expect(billing.proof).to.not.include(recordLeaf(record.subject, record.commitment));
    expect(record.proof).to.not.include(leafOfPair(billing.subject, billing.commitment));
  });

  it("shows an access to its grantee only in the indexed topics, never a patient identity", async function () {
    const { fx } = await scenario();
    const logs = await fx.records.queryFilter(fx.records.filters.RecordAccessed());
    expect(logs).to.have.length(3);
    // indexed: only the grantee member (public); the consent id is in the data, not a topic
    for (const log of logs) expect(log.topics.slice(1)).to.deep.equal([fx.ids.hospitalB]);
  });
});
