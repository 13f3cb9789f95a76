import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";

import { expect } from "chai";
import { network } from "hardhat";

import { MedChainError } from "../../src/chain/errors.js";
import { patientReference, serviceCode, toTokenUnits } from "../../src/claims/codes.js";
import { readClaim } from "../../src/claims/engine.js";
import { fhirClaimToChain } from "../../src/claims/fhir-claim.js";
import { toClaimResponse, toExplanationOfBenefit } from "../../src/claims/fhir-response.js";
import { planToArgs, readPlanFile } from "../../src/claims/plan.js";
import { remittanceCsv } from "../../src/claims/remittance.js";
import { NO_BATCH } from "../../src/claims/engine.js";
import { deployClaims, docCommitment, usd } from "./fixture.js";
import { recordLeaf } from "../../src/records/merkle.js";
import { submitClaim } from "./helpers.js";

const { ethers, networkHelpers } = await network.create();

async function claimsFixture() {
  return deployClaims(ethers);
}

const FIXTURES = "test/fixtures/claims";
const SECRET = "0x" + "5e".repeat(16);
const DOCUMENTATION = { commitment: docCommitment("invented visit"), batchRoot: NO_BATCH, proof: [] };
const mapOptions = (file: string) => ({
  file,
  planId: 1n,
  decimals: 6,
  patientSecret: SECRET,
  documentation: DOCUMENTATION,
});

async function readJson(file: string): Promise<unknown> {
  return JSON.parse(await readFile(file, "utf8"));
}

function conformanceDir(): string {
  return process.env.MEDCHAIN_CONFORMANCE_DIR ?? path.resolve(process.cwd(), "../shared/conformance");
}

describe("Claims SDK: FHIR Claim to chain", function () {
  it("maps a FHIR Claim's items to hashed codes, units and token amounts, and the patient to a keyed reference", async function () {
    const file = `${FIXTURES}/visit-claim.json`;
    const { input, unmapped } = fhirClaimToChain(await readJson(file), mapOptions(file));
    expect(input.lines).to.deep.equal([
      { code: serviceCode("http://www.ama-assn.org/go/cpt", "99213"), units: 2n, charged: usd(250) },
      { code: serviceCode("http://www.ama-assn.org/go/cpt", "71046"), units: 1n, charged: usd(400) },
      { code: serviceCode("http://www.ama-assn.org/go/cpt", "80053"), units: 10n, charged: usd(500) },
    ]);
    expect(input.serviceDate).to.equal(BigInt(Date.parse("2026-11-20T00:00:00Z") / 1000));
    expect(input.patientRef).to.equal(patientReference("Patient/invented-patient-0001", SECRET));
    expect(JSON.stringify(input, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v))).to.not.include(
      "invented-patient",
    );
    expect(unmapped.map((u) => u.field)).to.include.members(["identifier", "insurance", "provider", "priority"]);
    expect(input.documentation).to.deep.equal(DOCUMENTATION);
  });

  it("refuses bad input with one line naming the file, the field and the problem", async function () {
    const cases: Array<[string, RegExp]> = [
      ["not-a-claim.json", /not-a-claim\.json: resourceType: not a FHIR Claim/],
      ["negative-amount-claim.json", /negative-amount-claim\.json: item\[1\]\.net\.value: negative amount -400/],
      [
        "non-numeric-claim.json",
        /non-numeric-claim\.json: item\[2\]\.net\.value: not a non-negative decimal amount: "five hundred"/,
      ],
    ];
    for (const [name, message] of cases) {
      const file = `${FIXTURES}/${name}`;
      const json = await readJson(file);
      expect(() => fhirClaimToChain(json, mapOptions(file)))
        .to.throw(MedChainError)
        .with.property("message")
        .that.matches(message);
    }
  });

  it("refuses a service code or code system no plan could write (a space at an end, a control character, empty, too long), naming the item", async function () {
    const file = `${FIXTURES}/visit-claim.json`;
    const visit = (await readJson(file)) as { item: Array<{ productOrService: { coding: object[] } }> };
    for (const [coding, part] of [
      [{ system: "http://www.ama-assn.org/go/cpt", code: " 99213" }, "code"],
      [{ system: "http://www.ama-assn.org/go/cpt", code: "99213\u0000" }, "code"],
      [{ system: "http://www.ama-assn.org/go/cpt", code: "" }, "code"],
      [{ system: "http://www.ama-assn.org/go/cpt", code: "9".repeat(65) }, "code"],
      [{ system: "http://www.ama-assn.org/go/cpt ", code: "99213" }, "system"],
      [{ system: "http://x|1", code: "2" }, "system"], // would hash as system "http://x", code "1|2"
      [{ system: "http://x", code: "1|2" }, "code"],
    ] as const) {
      const json = structuredClone(visit);
      json.item[1]!.productOrService.coding = [coding];
      expect(() => fhirClaimToChain(json, mapOptions(file)), JSON.stringify(coding))
        .to.throw(MedChainError)
        .with.property("message")
        .that.includes(`item[1].productOrService.coding.${part}`);
    }
  });

  it("validates a plan file with its schema and converts amounts with the token's decimals", async function () {
    const { terms, rules } = await readPlanFile(`${FIXTURES}/plan.json`, 6);
    expect([terms.deductible, terms.coinsuranceBps, terms.reviewWindow]).to.deep.equal([usd(500), 2000, 7n * 86_400n]);
    expect(rules).to.have.length(5);
    expect(rules[4]).to.deep.include({ excluded: true, feePerUnit: 0n });
    expect(() => planToArgs({ deductible: "5" }, 6, "p.json")).to.throw(
      MedChainError,
      /^p\.json: effectiveFrom: Required/,
    );
    const plan = (await readJson(`${FIXTURES}/plan.json`)) as Record<string, unknown>;
    expect(() => planToArgs({ ...plan, copay: "-3" }, 6, "p.json")).to.throw(
      MedChainError,
      /p\.json: copay: negative amount/,
    );
    expect(() => toTokenUnits("1.0000001", 6, "x")).to.throw(MedChainError, /more than 6 decimals/);
    expect(() => planToArgs({ ...plan, outOfPocketMax: "1" + "0".repeat(30) }, 6, "p.json")).to.throw(
      MedChainError,
      "p.json: outOfPocketMax: too large for the contract",
    );
  });

  it("maps the four FHIR R4 Claim examples, reporting field by field what stays off chain", async function () {
    const dir = path.join(conformanceDir(), "fhir");
    if (!existsSync(dir)) this.skip();
    for (const id of ["100150", "760150", "860150", "960150"]) {
      const file = path.join(dir, `Claim-${id}.json`);
      const json = (await readJson(file)) as { item: unknown[] };
      const { input, unmapped } = fhirClaimToChain(json, mapOptions(file));
      expect(input.lines, file).to.have.length(json.item.length);
      expect(
        input.lines.every((l) => l.charged > 0n && l.units > 0n),
        file,
      ).to.equal(true);
      expect(
        unmapped.map((u) => u.field),
        file,
      ).to.include.members(["careTeam", "insurance", "payee"]);
      expect(
        unmapped.every((u) => u.reason.length > 0),
        file,
      ).to.equal(true);
    }
  });
});

describe("Claims SDK: chain result to FHIR", function () {
  it("submits a mapped FHIR Claim and returns a ClaimResponse and an ExplanationOfBenefit with exact amounts", async function () {
    const fx = await networkHelpers.loadFixture(claimsFixture);
    const file = `${FIXTURES}/visit-claim.json`;
    const source = await readJson(file);
    const { terms, rules } = await readPlanFile(`${FIXTURES}/plan.json`, 6);
    await fx.plans.connect(fx.insurer).publishPlan(terms, rules);
    const planId = await fx.plans.planCount();
    const coverageStart = BigInt(Date.parse("2026-01-01T00:00:00Z") / 1000);
    const { input } = fhirClaimToChain(source, { ...mapOptions(file), planId, coverageStart });
    await fx.plans
      .connect(fx.insurer)
      .enrol(planId, input.patientRef, coverageStart, input.serviceDate + 60n * 86_400n);
    await fx.verifier.setRecord(fx.hospitalId, recordLeaf(input.patientRef, DOCUMENTATION.commitment), 1);
    const { claimId } = await submitClaim(fx, input);
    await fx.engine.connect(fx.insurer).settle([claimId]);
    const view = await readClaim(fx.engine, claimId);
    const options = { decimals: 6, insurerId: fx.insurerId, sourceClaim: source as never, created: "2026-11-28" };

    const response = toClaimResponse(view, options) as {
      outcome: string;
      item: Array<{ adjudication: unknown[] }>;
      payment: unknown;
    };
    expect(response.outcome).to.equal("complete");
    expect(response.payment).to.deep.equal({
      type: { coding: [{ code: "complete" }] },
      amount: { value: 264, currency: "USD" },
    });
    expect(response.item[2]!.adjudication).to.deep.include({
      category: { coding: [{ system: "https://medchain.example/fhir/CodeSystem/adjudication", code: "coinsurance" }] },
      reason: {
        coding: [
          {
            system: "https://x12.org/codes/claim-adjustment-reason-codes",
            code: "2",
            display: "PR-2 Coinsurance amount",
          },
        ],
      },
      amount: { value: 66, currency: "USD" },
    });

    const eob = toExplanationOfBenefit(view, options) as {
      resourceType: string;
      item: Array<{ productOrService: unknown }>;
    };
    expect(eob.resourceType).to.equal("ExplanationOfBenefit");
    expect(eob.item[0]!.productOrService).to.deep.equal({
      coding: [{ system: "http://www.ama-assn.org/go/cpt", code: "99213" }],
    });

    const csv = remittanceCsv([view], 6).split("\n");
    expect(csv[1]).to.equal(
      `${claimId},2026-11-20,Paid,1150.00,850.00,264.00,586.00,CO-45:300.00 PR-1:500.00 PR-2:66.00 PR-3:20.00`,
    );
  });
});
