import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";

import { expect } from "chai";

import { connect, type Connection } from "../../src/chain/connection.js";
import { MedChainError } from "../../src/chain/errors.js";
import {
  ACCOUNT_PROOF_FORMAT,
  loadAccountProof,
  proveAccount,
  readAccountProof,
  writeAccountProof,
} from "../../src/consortium/account-proof.js";
import { addAccount, certify } from "../../src/consortium/governance.js";
import { memberIdFromCode, metadataCommitment } from "../../src/consortium/ids.js";
import { kindMask } from "../../src/consortium/kinds.js";
import { ONE_YEAR } from "../helpers/consortium.js";
import { ethers, loadRegistry, networkHelpers, type RegistryFixture } from "./fixture.js";

/** A connection of the SDK (as an integrator makes it) on the fixture's chain, signed by `signer`. */
async function connectAs(fx: RegistryFixture, signer: RegistryFixture["outsider"]): Promise<Connection> {
  return connect({
    provider: ethers.provider,
    signer,
    addresses: { registry: await fx.registry.getAddress() },
  });
}

async function proofFile(): Promise<string> {
  return path.join(await mkdtemp(path.join(tmpdir(), "medchain-proof-")), "key.proof.json");
}

describe("consortium SDK: proofs of key", function () {
  it("writes a proof file the new key signs, which its member then submits to add the key", async function () {
    const fx = await loadRegistry();
    const key = fx.fresh[0]!;
    const file = await proofFile();
    const proof = await proveAccount(await connectAs(fx, key), { memberId: fx.hospital.id });
    await writeAccountProof(file, proof);
    expect(proof).to.include({ format: ACCOUNT_PROOF_FORMAT, account: key.address, memberId: fx.hospital.id });
    expect(proof.nonce).to.equal("0");
    const latest = BigInt(await networkHelpers.time.latest());
    expect(BigInt(proof.deadline)).to.equal(latest + 7n * 24n * 3600n);

    const member = await connectAs(fx, fx.hospital.account);
    const loaded = await loadAccountProof(member, file, { account: key.address });
    expect(loaded.memberId).to.equal(fx.hospital.id);
    const result = await addAccount(member, { account: loaded.account, proof: loaded.proof });
    expect(result.events.map((e) => e.name)).to.include("AccountAdded");
    expect(await fx.registry.memberOf(key.address)).to.equal(fx.hospital.id);
  });

  it("lets the certifier certify an applicant with the proof its account signed", async function () {
    const fx = await loadRegistry();
    const key = fx.fresh[0]!;
    const memberId = memberIdFromCode("H-SDK");
    const file = await proofFile();
    await writeAccountProof(file, await proveAccount(await connectAs(fx, key), { memberId }));
    const certifier = await connectAs(fx, fx.certifier);
    const { account, proof } = await loadAccountProof(certifier, file, { memberId });
    const certifiedUntil = BigInt(await networkHelpers.time.latest()) + ONE_YEAR;
    const result = await certify(certifier, {
      memberId,
      metadata: metadataCommitment("H-SDK documents"),
      kinds: kindMask("Hospital"),
      account,
      certifiedUntil,
      accountProof: proof,
    });
    expect(result.proposalId).to.equal(await fx.registry.proposalCount());
    expect((await fx.registry.getProposal(result.proposalId)).account).to.equal(key.address);
  });

  it("refuses, before sending, a proof for another member, account, chain or registry, naming the file and field", async function () {
    const fx = await loadRegistry();
    const key = fx.fresh[0]!;
    const file = await proofFile();
    await writeAccountProof(file, await proveAccount(await connectAs(fx, key), { memberId: fx.lab.id }));
    const hospital = await connectAs(fx, fx.hospital.account);
    const refusal = async (conn: Connection, at: string, expected: { memberId?: string; account?: string } = {}) => {
      try {
        await loadAccountProof(conn, at, expected);
      } catch (err) {
        expect(err).to.be.instanceOf(MedChainError);
        return (err as MedChainError).message;
      }
      throw new Error("the proof was accepted");
    };
    expect(await refusal(hospital, file)).to.equal(
      `${file}: memberId: the proof binds the account to member ${fx.lab.id}, not ${fx.hospital.id}`,
    );
    const lab = await connectAs(fx, fx.lab.account);
    const other = fx.fresh[1]!.address;
    expect(await refusal(lab, file, { account: other })).to.equal(
      `${file}: account: the proof is ${key.address}'s, not ${other}'s`,
    );

    const contents = JSON.parse(await readFile(file, "utf8")) as Record<string, string>;
    const elsewhere = await proofFile();
    await writeFile(elsewhere, JSON.stringify({ ...contents, chainId: "1" }));
    const chainId = (await ethers.provider.getNetwork()).chainId;
    expect(await refusal(lab, elsewhere)).to.equal(
      `${elsewhere}: chainId: the proof is for chain 1, this network is chain ${chainId}`,
    );
    const registry = await fx.registry.getAddress();
    await writeFile(elsewhere, JSON.stringify({ ...contents, registry: fx.outsider.address }));
    expect(await refusal(lab, elsewhere)).to.equal(
      `${elsewhere}: registry: the proof is for registry ${fx.outsider.address}, not ${registry}`,
    );
    expect(await refusal(await connectAs(fx, fx.outsider), file)).to.equal(
      `the signing account ${fx.outsider.address} operates for no member: only a member's account adds accounts`,
    );
  });

  it("refuses a malformed proof file, naming the field", async function () {
    const file = await proofFile();
    await writeFile(file, JSON.stringify({ format: ACCOUNT_PROOF_FORMAT, chainId: "1", registry: "0x12" }));
    try {
      await readAccountProof(file);
      expect.fail("a malformed proof was read");
    } catch (err) {
      expect((err as MedChainError).message).to.match(new RegExp(`^${file}: registry: must be an address$`));
    }
  });
});
