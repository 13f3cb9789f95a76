import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";
import { network } from "hardhat";

import type { MedChainError } from "../../src/chain/errors.js";
import { lockFolder } from "../../src/chain/file-lock.js";
import { readLotBundle } from "../../src/provenance/lot.js";
import {
  opCommission,
  opDispense,
  opExport,
  opItem,
  opPack,
  opPrefix,
  opRecall,
  opRegisterProduct,
  opShip,
  opVerify,
} from "../../src/provenance/ops.js";
import { provenanceFixtureFor, sscc } from "./fixture.js";

const { ethers, networkHelpers } = await network.create();

const GTIN = "09506000134369";

describe("provenance operator commands (what the tasks print)", function () {
  const provenanceFixture = provenanceFixtureFor(ethers);

  it("takes a lot from a CSV to a patient's verify, with the timeline in plain words and the clone alert", async function () {
    const { provenance, signers, ids } = await networkHelpers.loadFixture(provenanceFixture);
    const data = await mkdtemp(path.join(tmpdir(), "ops-"));
    const mfr = provenance.connect(signers.mfr);
    const pharmacy = provenance.connect(signers.pharmacy);
    expect((await opRegisterProduct(mfr, GTIN)).lines).to.have.length(1);
    await writeFile(path.join(data, "serials.csv"), "serial\nQ1\nQ2\n");
    const commissioned = (
      await opCommission(mfr, {
        gtin: GTIN,
        lot: "QL1",
        expiry: "301231",
        serialsFile: path.join(data, "serials.csv"),
        dataDir: data,
        labels: true,
      })
    ).lines;
    expect(commissioned[0]).to.match(/^lot QL1 of 09506000134369 commissioned: 2 packs/);
    expect(await readdir(path.join(data, "labels", `${GTIN}-QL1`))).to.have.length.greaterThan(0);
    const bundle = await readLotBundle(path.join(data, "private", `${GTIN}-QL1.bundle.json`));
    const label = `(01)${GTIN}(10)QL1(21)Q1`;
    await opPack(mfr, data, sscc(40), [`(01)${GTIN}(21)Q1`, `(01)${GTIN}(21)Q2`]);
    await opShip(mfr, data, `(00)${sscc(40)}`, "PHA-1");
    await opItem(pharmacy, data, "receive", `(00)${sscc(40)}`);

    const before = (await opVerify(provenance, data, label, bundle.packs[0]!.code)).lines;
    expect(before[0]).to.equal("verdict: GENUINE: genuine and active in the supply chain");
    expect(before[1]).to.equal(`held by member ${ids.pharmacy}`);
    expect(before.join("\n")).to.match(/lot QL1 \(2 packs\) commissioned by manufacturer/);
    expect(before.join("\n")).to.include(`container ${sscc(40)} received by`);

    expect((await opDispense(pharmacy, data, label, bundle.packs[0]!.code)).lines).to.have.length(1);
    const clone = (await opDispense(provenance.connect(signers.hospital), data, label, bundle.packs[0]!.code)).lines;
    expect(clone[0]).to.match(/^CLONE ALERT/);
    const after = (await opVerify(provenance, data, label, bundle.packs[0]!.code)).lines;
    expect(after[0]).to.match(/^verdict: DISPENSED/);
    expect(after.join("\n")).to.include("CLONE ALERT: this pack (already dispensed) was presented again");

    const exported = JSON.parse((await opExport(provenance, data, `(01)${GTIN}(21)Q1`, "")).lines[0]!);
    expect(exported.type).to.equal("EPCISDocument");
    expect(exported.epcisBody.eventList.length).to.be.greaterThan(3);

    await opRecall(mfr, GTIN, "QL1");
    const recalled = (await opVerify(provenance, data, `(01)${GTIN}(10)QL1(21)Q2`, bundle.packs[1]!.code)).lines;
    expect(recalled[0]).to.match(/^verdict: RECALLED/);
    await rm(data, { recursive: true });
  });

  it("runs the commands that write a data directory one at a time, refusing another before it writes or sends", async function () {
    const { provenance, signers } = await networkHelpers.loadFixture(provenanceFixture);
    const data = await mkdtemp(path.join(tmpdir(), "ops-lock-"));
    const mfr = provenance.connect(signers.mfr);
    await opRegisterProduct(mfr, GTIN);
    await writeFile(path.join(data, "serials.csv"), "serial\nL1\nL2\n");
    const commission = () =>
      opCommission(mfr, {
        gtin: GTIN,
        lot: "LK1",
        expiry: "301231",
        serialsFile: path.join(data, "serials.csv"),
        dataDir: data,
        labels: false,
      });
    const nonce = await ethers.provider.getTransactionCount(signers.mfr.address);
    const release = await lockFolder(data, "a provenance command"); // another command, still running
    const refused = (promise: Promise<unknown>) =>
      promise.then(
        () => expect.fail("expected a refusal"),
        (err: MedChainError) => {
          expect(err.kind).to.equal("REFUSED");
          expect(err.message).to.match(
            new RegExp(
              `^${data}: a provenance command is already running on it \\(process ${process.pid} on this host since `,
            ),
          );
        },
      );
    await refused(commission());
    await refused(opPack(mfr, data, sscc(41), [`(01)${GTIN}(21)L1`]));
    expect((await readdir(data)).sort()).to.deep.equal([".lock", "serials.csv"]); // nothing written
    expect(await ethers.provider.getTransactionCount(signers.mfr.address)).to.equal(nonce); // nothing sent
    await release();
    expect((await commission()).result).to.include({ lot: "LK1", quantity: 2 });
    expect(await readdir(data)).to.not.include(".lock"); // given back once done
    await rm(data, { recursive: true });
  });

  it("proposes a company prefix by vote for the governors, and refuses a taken one before any vote", async function () {
    const fx = await networkHelpers.loadFixture(provenanceFixture);
    const asGovernor = fx.provenance.connect(fx.governors[0]!);
    const lines = (await opPrefix(asGovernor, { assign: "4012345", transfer: "", revoke: "", member: "MFR-2" })).lines;
    const id = BigInt(/proposal (\d+)/.exec(lines[0]!)![1]!);
    expect(lines[1]).to.equal(
      `governors vote with: npx hardhat consortium vote --proposal ${id}; then: npx hardhat consortium execute --proposal ${id}`,
    );
    expect(await fx.registry.callOf(id)).to.deep.equal([
      await fx.products.getAddress(),
      fx.products.interface.encodeFunctionData("assignCompanyPrefix", ["4012345", fx.ids.mfr2]),
    ]);
    const before = await fx.registry.proposalCount();
    await expect(opPrefix(asGovernor, { assign: "0614141", transfer: "", revoke: "", member: "MFR-2" }))
      .to.be.revertedWithCustomError(fx.provenance, "ProvenanceCompanyPrefixTaken")
      .withArgs("0614141", fx.ids.mfr);
    expect(await fx.registry.proposalCount()).to.equal(before);
    let message = "";
    try {
      await opPrefix(asGovernor, { assign: "4012345", transfer: "", revoke: "4012345", member: "" });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).to.equal("give exactly one of --assign, --transfer or --revoke <prefix>");
  });
});
