import { expect } from "chai";

import { registerDatasetVersion } from "../../src/genomics/client.js";
import {
  DATASET_VERSION_TYPES,
  buildDatasetTree,
  datasetKeyOf,
  datasetName,
  datasetsDomain,
  proveVariant,
  versionIdOf,
  versionTuple,
  type DatasetVersionMessage,
} from "../../src/genomics/dataset.js";
import { duoMask } from "../../src/genomics/duo.js";
import { MODULE_IDS, ProposalAction, kindMask } from "../../src/consortium/kinds.js";
import {
  GRU,
  HMB,
  ZERO,
  decide,
  ethers,
  loadGenomics,
  networkHelpers,
  sites,
  type GenomicsFixture,
} from "./fixture.js";

async function message(fx: GenomicsFixture, over: Partial<DatasetVersionMessage> = {}, signer = fx.labs[0].account) {
  const tree = buildDatasetTree(sites(9).sites);
  const m: DatasetVersionMessage = {
    lab: fx.labs[0].id,
    name: datasetName("exome-2027"),
    version: 1,
    root: tree.root,
    previous: ZERO,
    assembly: 1,
    samples: 120,
    sites: tree.sites,
    dataUses: duoMask([HMB]),
    nonce: await fx.datasets.nonces(signer.address),
    deadline: BigInt((await ethers.provider.getBlock("latest"))!.timestamp) + 3600n,
    ...over,
  };
  const domain = datasetsDomain((await ethers.provider.getNetwork()).chainId, await fx.datasets.getAddress());
  return { m, signature: await signer.signTypedData(domain, DATASET_VERSION_TYPES, m) };
}

describe("GenomicDatasets", function () {
  it("registers a lab's signed version with O(1) storage and names it by dataset, number and root", async function () {
    const fx = await loadGenomics();
    const { m, signature } = await message(fx);
    const key = datasetKeyOf(m.lab, m.name);
    const id = versionIdOf(key, 1, m.root);
    await expect(fx.datasets.connect(fx.outsider).register(versionTuple(m), fx.labs[0].account.address, signature))
      .to.emit(fx.datasets, "DatasetRegistered")
      .withArgs(id, key, m.lab, 1, m.root, m.samples, m.sites, m.dataUses, fx.labs[0].account.address);
    const record = await fx.datasets.versionOf(id);
    expect(record.status).to.equal(1n);
    expect(record.lab).to.equal(m.lab);
    expect(record.root).to.equal(m.root);
    expect(await fx.datasets.currentVersion(key)).to.deep.equal([id, m.lab]);
    expect(await fx.datasets.datasetKeyOf(m.lab, m.name)).to.equal(key);
    expect(await fx.datasets.versionIdOf(key, 1, m.root)).to.equal(id);
    const domain = datasetsDomain((await ethers.provider.getNetwork()).chainId, await fx.datasets.getAddress());
    expect(await fx.datasets.hashDatasetVersion(versionTuple(m))).to.equal(
      ethers.TypedDataEncoder.hash(domain, DATASET_VERSION_TYPES, m),
    );
  });

  it("supersedes the current version with the next one, linked both ways", async function () {
    const fx = await loadGenomics();
    const v1 = fx.versions[0];
    const v2 = await registerDatasetVersion(fx.labs[0].c, {
      lab: fx.labs[0].id,
      name: "panel-2026",
      counts: sites(11),
      dataUses: duoMask([HMB]),
    });
    expect(v2.message.version).to.equal(2);
    const old = await fx.datasets.versionOf(v1.versionId);
    const now = await fx.datasets.versionOf(v2.versionId);
    expect(old.status).to.equal(2n); // Superseded
    expect(old.next).to.equal(v2.versionId);
    expect(now.previous).to.equal(v1.versionId);
    expect(now.status).to.equal(1n);
  });

  it("does nothing when the current version already has the same root (a re-run)", async function () {
    const fx = await loadGenomics();
    const again = await registerDatasetVersion(fx.labs[1].c, {
      lab: fx.labs[1].id,
      name: "panel-2026",
      counts: sites(2),
      dataUses: duoMask([HMB, GRU]),
      secret: fx.versions[1].tree.secret,
    });
    expect(again.alreadyRegistered).to.equal(true);
    expect(again.versionId).to.equal(fx.versions[1].versionId);
  });

  it("refuses a version that does not continue the current one", async function () {
    const fx = await loadGenomics();
    const key = fx.versions[0].datasetKey;
    const { m, signature } = await message(fx, { name: fx.versions[0].message.name, version: 3 });
    await expect(fx.datasets.register(versionTuple(m), fx.labs[0].account.address, signature))
      .to.be.revertedWithCustomError(fx.datasets, "GenomicsNotNextVersion")
      .withArgs(key, 3, 2, ZERO);
  });

  it("refuses empty fields, naming the field, and assemblies other than GRCh38", async function () {
    const fx = await loadGenomics();
    const cases: Array<[Partial<DatasetVersionMessage>, string]> = [
      [{ root: ZERO }, "root"],
      [{ samples: 0 }, "samples"],
      [{ sites: 0 }, "sites"],
      [{ dataUses: 0n }, "dataUses"],
      [{ dataUses: 1n }, "dataUses"],
      [{ name: ZERO }, "name"],
    ];
    for (const [over, field] of cases) {
      const { m, signature } = await message(fx, over);
      await expect(fx.datasets.register(versionTuple(m), fx.labs[0].account.address, signature))
        .to.be.revertedWithCustomError(fx.datasets, "GenomicsInvalidDataset")
        .withArgs(datasetKeyOf(m.lab, m.name), field);
    }
    const { m, signature } = await message(fx, { assembly: 0 });
    await expect(fx.datasets.register(versionTuple(m), fx.labs[0].account.address, signature))
      .to.be.revertedWithCustomError(fx.datasets, "GenomicsUnsupportedAssembly")
      .withArgs(0);
  });

  it("refuses an expired signature and an inactive lab", async function () {
    const fx = await loadGenomics();
    const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
    const { m, signature } = await message(fx, { deadline: now - 1n });
    await networkHelpers.time.setNextBlockTimestamp(now + 10n);
    await expect(fx.datasets.register(versionTuple(m), fx.labs[0].account.address, signature))
      .to.be.revertedWithCustomError(fx.datasets, "GenomicsSignatureExpired")
      .withArgs(now - 1n, now + 10n);
    await fx.registry.connect(fx.certifier).emergencySuspend(fx.labs[0].id);
    const fresh = await message(fx);
    await expect(fx.datasets.register(versionTuple(fresh.m), fx.labs[0].account.address, fresh.signature))
      .to.be.revertedWithCustomError(fx.datasets, "GenomicsLabNotActive")
      .withArgs(fx.labs[0].id);
  });

  it("accepts an ERC-1271 wallet the lab operates as signer", async function () {
    const fx = await loadGenomics();
    const owner = fx.spareAccounts[0]!;
    const wallet = await ethers.deployContract("ERC1271WalletMock", [owner.address]);
    await fx.registry.connect(fx.labs[0].account).addAccount(await wallet.getAddress());
    const { m } = await message(fx, { nonce: 0n });
    const domain = datasetsDomain((await ethers.provider.getNetwork()).chainId, await fx.datasets.getAddress());
    const signature = await owner.signTypedData(domain, DATASET_VERSION_TYPES, m);
    await expect(fx.datasets.register(versionTuple(m), await wallet.getAddress(), signature)).to.emit(
      fx.datasets,
      "DatasetRegistered",
    );
    expect(await fx.datasets.nonces(await wallet.getAddress())).to.equal(1n);
  });

  it("lets the lab withdraw its current version only once", async function () {
    const fx = await loadGenomics();
    const v = fx.versions[1];
    await expect(fx.datasets.connect(fx.labs[1].account).withdraw(v.versionId))
      .to.emit(fx.datasets, "DatasetWithdrawn")
      .withArgs(v.versionId, v.datasetKey, fx.labs[1].id);
    expect((await fx.datasets.versionOf(v.versionId)).status).to.equal(3n);
    await expect(fx.datasets.connect(fx.labs[1].account).withdraw(v.versionId))
      .to.be.revertedWithCustomError(fx.datasets, "GenomicsVersionNotActive")
      .withArgs(v.versionId, 3);
    await expect(fx.datasets.withdraw(ethers.id("nothing")))
      .to.be.revertedWithCustomError(fx.datasets, "GenomicsUnknownVersion")
      .withArgs(ethers.id("nothing"));
  });

  it("refuses a withdrawal by a suspended lab or while the module is paused, and allows it again once reinstated", async function () {
    const fx = await loadGenomics();
    const v = fx.versions[1];
    const lab = fx.datasets.connect(fx.labs[1].account);
    // A leaked key of a suspended lab cannot retire its data: the data is already out of use while suspended.
    await fx.registry.connect(fx.certifier).emergencySuspend(fx.labs[1].id);
    await expect(lab.withdraw(v.versionId))
      .to.be.revertedWithCustomError(fx.datasets, "ConsortiumGuardedUnauthorized")
      .withArgs(fx.labs[1].account.address, kindMask("Laboratory"));
    await decide(fx, ProposalAction.Reinstate, fx.labs[1].id);
    await fx.registry.connect(fx.governors[0]!).pauseModule(MODULE_IDS.genomics);
    await expect(lab.withdraw(v.versionId))
      .to.be.revertedWithCustomError(fx.datasets, "ConsortiumGuardedPaused")
      .withArgs(MODULE_IDS.genomics);
    await decide(fx, ProposalAction.Unpause, MODULE_IDS.genomics);
    await expect(lab.withdraw(v.versionId)).to.emit(fx.datasets, "DatasetWithdrawn");
  });

  it("continues a withdrawn dataset with a new version that stays the only active one", async function () {
    const fx = await loadGenomics();
    const v1 = fx.versions[1];
    await fx.datasets.connect(fx.labs[1].account).withdraw(v1.versionId);
    const v2 = await registerDatasetVersion(fx.labs[1].c, {
      lab: fx.labs[1].id,
      name: "panel-2026",
      counts: sites(12),
      dataUses: duoMask([HMB]),
    });
    expect((await fx.datasets.versionOf(v1.versionId)).status).to.equal(3n);
    expect((await fx.datasets.versionOf(v1.versionId)).next).to.equal(v2.versionId);
    expect((await fx.datasets.versionOf(v2.versionId)).status).to.equal(1n);
  });

  it("refuses registrations while the consortium pauses the module", async function () {
    const fx = await loadGenomics();
    await fx.registry.connect(fx.governors[0]!).pauseModule(MODULE_IDS.genomics);
    const { m, signature } = await message(fx);
    await expect(fx.datasets.register(versionTuple(m), fx.labs[0].account.address, signature))
      .to.be.revertedWithCustomError(fx.datasets, "ConsortiumGuardedPaused")
      .withArgs(MODULE_IDS.genomics);
  });

  it("proves on chain that a site is a leaf of a version, and nothing for an unknown version", async function () {
    const fx = await loadGenomics();
    const v = fx.versions[0];
    const p = proveVariant(v.tree, sites(1).sites[2]!.key);
    expect(p.member).to.equal(true);
    expect(await fx.datasets.containsLeaf(v.versionId, p.leaf.keyHash, p.leaf.link, p.proof)).to.equal(true);
    expect(await fx.datasets.containsLeaf(v.versionId, p.leaf.keyHash, ZERO, p.proof)).to.equal(false);
    expect(await fx.datasets.containsLeaf(ethers.id("none"), p.leaf.keyHash, p.leaf.link, p.proof)).to.equal(false);
  });

  it("registration gas does not grow with the dataset's size", async function () {
    const fx = await loadGenomics();
    const gas = async (n: number, name: string) => {
      const counts = sites(5, n);
      const r = await registerDatasetVersion(fx.labs[0].c, { lab: fx.labs[0].id, name, counts, dataUses: 1n << 6n });
      return (await ethers.provider.getTransactionReceipt(r.txHash!))!.gasUsed;
    };
    const small = await gas(4, "small");
    const large = await gas(2000, "large");
    expect(large - small).to.be.lessThan(200n); // calldata bytes only (same-length fields)
  });
});
