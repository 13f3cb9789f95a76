import { expect } from "chai";

import { MedChainError } from "../../src/chain/errors.js";
import { solidityPackedKeccak256 } from "ethers";

import {
  canonicalBytes,
  COMMITMENT_DOMAIN,
  keyedSalt,
  parseFhir,
  randomSalt,
  recordCommitment,
} from "../../src/records/commitment.js";
import { RecordsInputError } from "../../src/records/errors.js";
import { categoryOf, CATEGORIES, parseCategorySet } from "../../src/records/categories.js";

const SALT = "0x" + "11".repeat(32);
const record = { resourceType: "Observation", valueQuantity: { value: 6.1, unit: "%" }, id: "o1", status: "final" };

describe("records SDK: commitments", function () {
  it("canonicalises FHIR JSON per RFC 8785: sorted keys, no whitespace, shortest numbers", function () {
    const text = new TextDecoder().decode(canonicalBytes({ b: 1.0, a: [true, null, 1e21, "é"], c: { z: 2, y: -0.5 } }));
    expect(text).to.equal('{"a":[true,null,1e+21,"é"],"b":1,"c":{"y":-0.5,"z":2}}');
  });

  it("commits to keccak256(domain || salt || canonical JSON), the same for any key order or spacing", function () {
    const reordered = parseFhir(
      '{ "status": "final", "id": "o1",\n "valueQuantity": {"unit":"%","value":6.10}, "resourceType": "Observation" }',
      "x.json",
    );
    const expected = solidityPackedKeccak256(
      ["string", "bytes32", "string"],
      [
        COMMITMENT_DOMAIN,
        SALT,
        '{"id":"o1","resourceType":"Observation","status":"final","valueQuantity":{"unit":"%","value":6.1}}',
      ],
    );
    expect(recordCommitment(record, SALT)).to.equal(expected);
    expect(recordCommitment(reordered, SALT)).to.equal(expected);
  });

  it("gives a different commitment for another salt or any changed value", function () {
    const base = recordCommitment(record, SALT);
    expect(recordCommitment(record, "0x" + "12".repeat(32))).to.not.equal(base);
    expect(recordCommitment({ ...record, status: "amended" }, SALT)).to.not.equal(base);
  });

  it("draws 256-bit random salts, and derives the same salt from a hospital key for the same record", function () {
    const a = randomSalt();
    expect(a).to.match(/^0x[0-9a-f]{64}$/);
    expect(randomSalt()).to.not.equal(a);
    const key = "0x" + "ab".repeat(32);
    expect(keyedSalt(key, record)).to.equal(keyedSalt(key, { ...record }));
    expect(keyedSalt(key, record)).to.not.equal(keyedSalt(key, { ...record, id: "o2" }));
    expect(() => keyedSalt("0x1234", record)).to.throw(RecordsInputError, "at least 32 bytes");
    expect(() => recordCommitment(record, "0x12")).to.throw(RecordsInputError, "salt: must be 32 bytes");
  });

  it("rejects text that is not JSON and JSON that is not a FHIR resource, naming the file", function () {
    expect(() => parseFhir("{ nope", "in/a.json")).to.throw(
      MedChainError,
      /^in\/a\.json: is not JSON: .*line 1 column 3/,
    );
    expect(() => parseFhir('{"a":1,"a":2,"resourceType":"Basic"}', "in/d.json")).to.throw(
      MedChainError,
      'in/d.json: a: duplicate key "a"',
    );
    expect(() => parseFhir('{"id":"x"}', "in/b.json")).to.throw(
      RecordsInputError,
      'in/b.json: not a FHIR resource (no "resourceType")',
    );
    expect(() => parseFhir("[1,2]", "in/c.json")).to.throw(RecordsInputError, "in/c.json: not a FHIR resource");
  });

  it("maps resource types to category codes and parses category sets", function () {
    expect(categoryOf("Observation")).to.equal(CATEGORIES.observation);
    expect(categoryOf("Encounter")).to.equal(CATEGORIES.encounter);
    expect(categoryOf("Basic")).to.equal(CATEGORIES.other);
    expect(parseCategorySet("observation, encounter")).to.equal((1n << 3n) | (1n << 2n));
    expect(parseCategorySet("7")).to.equal(1n << 7n);
    expect(() => parseCategorySet("x-rays")).to.throw('unknown category "x-rays"');
  });
});
