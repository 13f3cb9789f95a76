import { expect } from "chai";
import { network } from "hardhat";

import { describeError, MedChainError } from "../../src/chain/errors.js";
import {
  parseAction,
  parseDate,
  parseMember,
  parseModule,
  parseProposalId,
  proposalFrom,
} from "../../src/consortium/args.js";
import { memberIdFromCode } from "../../src/consortium/ids.js";
import {
  kindMask,
  kindNames,
  MODULE_IDS,
  parseKinds,
  ProposalAction,
  UnknownKindError,
} from "../../src/consortium/kinds.js";
import { deployConsortium } from "../helpers/consortium.js";

const { ethers, networkHelpers } = await network.create();

describe("consortium SDK: operator input", function () {
  it("derives a member id from a registration code, and accepts a 32-byte id as is", function () {
    const id = memberIdFromCode("HOSP-0001");
    expect(parseMember("HOSP-0001")).to.equal(id);
    expect(parseMember(id)).to.equal(id);
    expect(id).to.not.equal(memberIdFromCode("HOSP-0002"));
  });

  it("refuses a member id that is hex but not 32 bytes, naming the option", function () {
    expect(() => parseMember("0x1234", "suspend")).to.throw(
      MedChainError,
      '--suspend: "0x1234" is not a 32-byte member id',
    );
  });

  it("parses kinds case-insensitively into the contract's bit mask and back", function () {
    expect(parseKinds("hospital, Laboratory")).to.equal(0b11);
    expect(parseKinds("Regulator")).to.equal(1 << 6);
    expect(kindNames(kindMask("Pharmacy", "Insurer"))).to.deep.equal(["Pharmacy", "Insurer"]);
    expect(() => parseKinds("Hospital,Dentist")).to.throw(UnknownKindError, 'unknown member kind "Dentist"');
    expect(() => parseKinds(" , ")).to.throw(UnknownKindError);
  });

  it("parses dates as UTC midnight or unix seconds and refuses impossible dates", function () {
    expect(parseDate("2030-01-01", "until")).to.equal(1893456000n);
    expect(parseDate("1893456000", "until")).to.equal(1893456000n);
    expect(() => parseDate("2030-02-30", "until")).to.throw(MedChainError, '--until: "2030-02-30" is not a date');
    expect(() => parseDate("next year", "until")).to.throw(MedChainError, "--until");
  });

  it("maps action names to the contract's enum and refuses Admit outside certify", function () {
    expect(parseAction("suspend")).to.equal(ProposalAction.Suspend);
    expect(parseAction("SetThreshold")).to.equal(ProposalAction.SetThreshold);
    expect(() => parseAction("admit")).to.throw(MedChainError, "admissions go through certify");
    expect(() => parseAction("dissolve")).to.throw(MedChainError, '--action: "dissolve"');
  });

  it("maps module names to pause ids and refuses unknown modules", function () {
    expect(parseModule("records")).to.equal(MODULE_IDS.records);
    expect(parseModule("genomics")).to.equal(MODULE_IDS.genomics);
    expect(() => parseModule("telemetry")).to.throw(MedChainError, '--module: "telemetry"');
  });

  it("builds propose arguments from only the options each action uses", function () {
    const none = { action: "", member: "", account: "", kinds: "", threshold: "", module: "" };
    const zero = { target: ethers.ZeroHash, account: ethers.ZeroAddress, kinds: 0, value: 0n };
    expect(
      proposalFrom({ ...none, action: "SetKinds", member: "HOSP-0001", kinds: "Hospital,Laboratory" }),
    ).to.deep.equal({ ...zero, action: ProposalAction.SetKinds, target: memberIdFromCode("HOSP-0001"), kinds: 0b11 });
    expect(proposalFrom({ ...none, action: "revoke", member: "HOSP-0001", kinds: "ignored" })).to.deep.equal({
      ...zero,
      action: ProposalAction.Revoke,
      target: memberIdFromCode("HOSP-0001"),
    });
    const governor = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
    expect(proposalFrom({ ...none, action: "AddGovernor", account: governor })).to.deep.equal({
      ...zero,
      action: ProposalAction.AddGovernor,
      account: governor,
    });
    expect(proposalFrom({ ...none, action: "SetThreshold", threshold: "3" })).to.deep.equal({
      ...zero,
      action: ProposalAction.SetThreshold,
      value: 3n,
    });
    expect(proposalFrom({ ...none, action: "Unpause", module: "claims" })).to.deep.equal({
      ...zero,
      action: ProposalAction.Unpause,
      target: MODULE_IDS.claims,
    });
    expect(proposalFrom({ ...none, action: "pause", module: "provenance" })).to.deep.equal({
      ...zero,
      action: ProposalAction.Pause,
      target: MODULE_IDS.provenance,
    });
    expect(
      proposalFrom({ ...none, action: "SetCertification", member: "HOSP-0001", until: "2030-01-01" }),
    ).to.deep.equal({
      ...zero,
      action: ProposalAction.SetCertification,
      target: memberIdFromCode("HOSP-0001"),
      value: 1893456000n,
    });
  });

  it("refuses a proposal missing the option its action needs, naming the option", function () {
    const none = { action: "", member: "", account: "", kinds: "", threshold: "", module: "" };
    expect(() => proposalFrom({ ...none, action: "Suspend" })).to.throw(MedChainError, "--member");
    expect(() => proposalFrom({ ...none, action: "SetCertifier", account: "0x12" })).to.throw(
      MedChainError,
      "--account",
    );
    expect(() => proposalFrom({ ...none, action: "SetThreshold", threshold: "0" })).to.throw(
      MedChainError,
      "--threshold",
    );
    expect(() => proposalFrom({ ...none, action: "Unpause" })).to.throw(MedChainError, "--module");
    expect(() => proposalFrom({ ...none, action: "Pause" })).to.throw(MedChainError, "--module");
    expect(() => proposalFrom({ ...none, action: "SetCertification", member: "HOSP-0001" })).to.throw(
      MedChainError,
      "--until",
    );
  });

  it("accepts only positive whole proposal numbers", function () {
    expect(parseProposalId("12")).to.equal(12n);
    for (const bad of ["0", "-1", "1.5", "one", ""]) expect(() => parseProposalId(bad)).to.throw(MedChainError);
  });
});

describe("consortium SDK: errors an operator sees", function () {
  async function registryFixture() {
    return deployConsortium(ethers);
  }

  it("decodes a refused transaction into one line with the custom error and its values", async function () {
    const { registry, spare } = await networkHelpers.loadFixture(registryFixture);
    const outsider = spare[0]!;
    let caught: unknown;
    try {
      await registry.connect(outsider).vote(1n);
    } catch (err) {
      caught = err;
    }
    expect(caught, "the vote should have been refused").to.not.equal(undefined);
    expect(describeError(caught, [registry])).to.equal(
      `the contract refused: ConsortiumNotGovernor(account=${outsider.address})`,
    );
  });

  it("shows a MedChainError's own message unchanged", function () {
    expect(describeError(new MedChainError("claims.json: not a FHIR Claim"))).to.equal("claims.json: not a FHIR Claim");
  });
});
