import { expect } from "chai";
import { network } from "hardhat";

import { deployConsortium, admit } from "./helpers/consortium.js";

const { ethers, networkHelpers } = await network.create();

describe("ConsortiumRegistry (smoke)", function () {
  async function consortiumFixture() {
    return deployConsortium(ethers);
  }

  it("admits a certified hospital after two governor votes", async function () {
    const fx = await networkHelpers.loadFixture(consortiumFixture);
    const hospital = fx.spare[0]!;
    const memberId = await admit(fx, "H-001", ["Hospital"], hospital);
    expect(await fx.registry.isActiveMember(hospital.address, 0)).to.equal(true);
    expect(await fx.registry.memberOf(hospital.address)).to.equal(memberId);
  });
});
