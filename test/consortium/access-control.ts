import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/types";
import { expect } from "chai";

import { ONE_YEAR } from "../helpers/consortium.js";
import {
  PROVENANCE,
  ProposalAction,
  RECORDS,
  addAccount,
  applicant,
  certify,
  ethers,
  kindMask,
  loadRegistry,
  networkHelpers,
  passProposal,
  proofFor,
  type MemberHandle,
  type RegistryFixture,
} from "./fixture.js";

type Expected = { error: string; args: unknown[] };

/** Someone calling a restricted function: who they are and what the registry should answer. */
interface Caller {
  name: string;
  signer(fx: RegistryFixture): Promise<HardhatEthersSigner>;
  /** The refusal of a function restricted to active members, or null if this caller is one. */
  asMember(fx: RegistryFixture, signer: HardhatEthersSigner): Promise<Expected | null>;
  isGovernor?: true;
  isCertifier?: true;
}

async function memberNotActive(fx: RegistryFixture, m: MemberHandle): Promise<Expected> {
  const { status, certifiedUntil } = await fx.registry.getMember(m.id);
  return { error: "ConsortiumMemberNotActive", args: [m.id, status, certifiedUntil] };
}

const notMember = async (_fx: RegistryFixture, s: HardhatEthersSigner): Promise<Expected> => ({
  error: "ConsortiumNotMember",
  args: [s.address],
});

/** A hospital account that was removed (retired) from its member. */
async function retiredAccount(fx: RegistryFixture): Promise<HardhatEthersSigner> {
  const key = fx.fresh[5]!;
  await addAccount(fx, fx.hospital.account, key.address);
  await fx.registry.connect(fx.hospital.account).removeAccount(key.address);
  return key;
}

const CALLERS: Caller[] = [
  { name: "an outsider", signer: async (fx) => fx.outsider, asMember: notMember },
  { name: "a governor", signer: async (fx) => fx.governors[0]!, asMember: notMember, isGovernor: true },
  { name: "the certifier", signer: async (fx) => fx.certifier, asMember: notMember, isCertifier: true },
  { name: "an active member that is no governor", signer: async (fx) => fx.lab.account, asMember: async () => null },
  {
    name: "a suspended member",
    signer: async (fx) => fx.suspended.account,
    asMember: (fx) => memberNotActive(fx, fx.suspended),
  },
  {
    name: "a revoked member",
    signer: async (fx) => fx.revoked.account,
    asMember: (fx) => memberNotActive(fx, fx.revoked),
  },
  {
    name: "a member whose certification expired",
    signer: async (fx) => fx.expired.account,
    asMember: (fx) => memberNotActive(fx, fx.expired),
  },
  { name: "a removed (retired) account", signer: retiredAccount, asMember: notMember },
];

/** A restricted function: how to call it validly (apart from the caller) and whom it refuses. */
interface Restricted {
  name: string;
  call(fx: RegistryFixture, s: HardhatEthersSigner): Promise<unknown>;
  refusal(fx: RegistryFixture, c: Caller, s: HardhatEthersSigner): Promise<Expected | null>;
}

const onlyCertifier = async (_fx: RegistryFixture, c: Caller, s: HardhatEthersSigner) =>
  c.isCertifier ? null : { error: "ConsortiumNotCertifier", args: [s.address] };
const onlyGovernor = async (_fx: RegistryFixture, c: Caller, s: HardhatEthersSigner) =>
  c.isGovernor ? null : { error: "ConsortiumNotGovernor", args: [s.address] };
const onlyActiveMember = (fx: RegistryFixture, c: Caller, s: HardhatEthersSigner) => c.asMember(fx, s);
/** Members that may still retire keys: suspended or lapsed ones (to drop a leaked key), not revoked ones. */
const MAY_RETIRE_KEYS = [
  "an active member that is no governor",
  "a suspended member",
  "a member whose certification expired",
];
const onlyMemberNotRevoked = (fx: RegistryFixture, c: Caller, s: HardhatEthersSigner) =>
  MAY_RETIRE_KEYS.includes(c.name) ? Promise.resolve(null) : c.asMember(fx, s);

const RESTRICTED: Restricted[] = [
  {
    name: "certify",
    refusal: onlyCertifier,
    call: async (fx, s) => {
      const a = await applicant("H-900", "Hospital", fx.fresh[0]!.address);
      return fx.registry
        .connect(s)
        .certify(
          a.memberId,
          a.metadata,
          a.kinds,
          a.account,
          a.certifiedUntil,
          await proofFor(fx, a.account, a.memberId),
        );
    },
  },
  {
    name: "renewCertification",
    refusal: onlyCertifier,
    call: async (fx, s) =>
      fx.registry.connect(s).renewCertification(fx.hospital.id, BigInt(await networkHelpers.time.latest()) + ONE_YEAR),
  },
  {
    name: "emergencySuspend",
    refusal: onlyCertifier,
    call: async (fx, s) => fx.registry.connect(s).emergencySuspend(fx.hospital.id),
  },
  {
    name: "propose",
    refusal: onlyGovernor,
    call: async (fx, s) =>
      fx.registry.connect(s).propose(ProposalAction.Suspend, fx.hospital.id, ethers.ZeroAddress, 0, 0n),
  },
  {
    name: "vote",
    refusal: onlyGovernor,
    call: async (fx, s) => {
      const id = await certify(fx, await applicant("H-900", "Hospital", fx.fresh[0]!.address));
      return fx.registry.connect(s).vote(id);
    },
  },
  {
    name: "pauseModule",
    refusal: onlyGovernor,
    call: async (fx, s) => fx.registry.connect(s).pauseModule(RECORDS),
  },
  {
    name: "proposeCall",
    refusal: onlyGovernor,
    call: async (fx, s) =>
      fx.registry
        .connect(s)
        .proposeCall(await fx.guarded.getAddress(), fx.guarded.interface.encodeFunctionData("setRule", [7n])),
  },
  {
    name: "addAccount",
    refusal: onlyActiveMember,
    call: async (fx, s) => addAccount(fx, s, fx.fresh[0]!.address),
  },
  {
    name: "removeAccount",
    refusal: onlyMemberNotRevoked,
    // The caller's own account when it has one: the refusal is about who calls, not what is removed.
    call: async (fx, s) => fx.registry.connect(s).removeAccount(s.address),
  },
];

describe("ConsortiumRegistry access control", function () {
  for (const fn of RESTRICTED) {
    describe(fn.name, function () {
      for (const caller of CALLERS) {
        // Cases where the caller holds the role are tested for their effects in registry.ts.
        const holdsRole =
          (fn.refusal === onlyCertifier && caller.isCertifier) ||
          (fn.refusal === onlyGovernor && caller.isGovernor) ||
          (fn.refusal === onlyActiveMember && caller.name.startsWith("an active member")) ||
          (fn.refusal === onlyMemberNotRevoked && MAY_RETIRE_KEYS.includes(caller.name));
        if (holdsRole) continue;
        it(`refuses ${caller.name}`, async function () {
          const fx = await loadRegistry();
          const signer = await caller.signer(fx);
          const expected = await fn.refusal(fx, caller, signer);
          expect(expected, "the table must name a refusal for this case").to.not.equal(null);
          await expect(fn.call(fx, signer))
            .to.be.revertedWithCustomError(fx.registry, expected!.error)
            .withArgs(...expected!.args);
        });
      }
    });
  }

  describe("execute without votes", function () {
    for (const caller of CALLERS) {
      it(`refuses ${caller.name}`, async function () {
        const fx = await loadRegistry();
        const signer = await caller.signer(fx);
        const id = await certify(fx, await applicant("H-900", "Hospital", fx.fresh[0]!.address));
        await expect(fx.registry.connect(signer).execute(id))
          .to.be.revertedWithCustomError(fx.registry, "ConsortiumNotEnoughVotes")
          .withArgs(id, 0n, 2n);
      });
    }
  });
});

describe("ConsortiumGuarded", function () {
  it("refuses to be deployed with a zero registry", async function () {
    const fx = await loadRegistry();
    await expect(
      ethers.deployContract("GuardedModuleMock", [ethers.ZeroAddress, RECORDS]),
    ).to.be.revertedWithCustomError(fx.guarded, "ConsortiumGuardedZeroRegistry");
  });

  it("remembers its registry and module id", async function () {
    const fx = await loadRegistry();
    expect(await fx.guarded.consortium()).to.equal(await fx.registry.getAddress());
    expect(await fx.guarded.moduleId()).to.equal(RECORDS);
  });

  const GUARDS = ["guardedWrite", "hotPathWrite"] as const;
  for (const guard of GUARDS) {
    describe(guard, function () {
      function write(fx: RegistryFixture, s: HardhatEthersSigner, mask: number) {
        return fx.guarded.connect(s)[guard](mask);
      }

      it("lets an active member of the required kind through", async function () {
        const fx = await loadRegistry();
        await expect(write(fx, fx.hospital.account, kindMask("Hospital")))
          .to.emit(fx.guarded, "GuardedWritePerformed")
          .withArgs(fx.hospital.id, fx.hospital.account.address);
      });

      it("lets a member through that has any one of the required kinds", async function () {
        const fx = await loadRegistry();
        await expect(write(fx, fx.lab.account, kindMask("Hospital", "Laboratory")))
          .to.emit(fx.guarded, "GuardedWritePerformed")
          .withArgs(fx.lab.id, fx.lab.account.address);
      });

      const refused: { name: string; who: (fx: RegistryFixture) => Promise<HardhatEthersSigner>; mask: number }[] = [
        { name: "an outsider", who: async (fx) => fx.outsider, mask: kindMask("Hospital") },
        { name: "a member of the wrong kind", who: async (fx) => fx.hospital.account, mask: kindMask("Laboratory") },
        { name: "a suspended member", who: async (fx) => fx.suspended.account, mask: kindMask("Pharmacy") },
        { name: "a revoked member", who: async (fx) => fx.revoked.account, mask: kindMask("Insurer") },
        { name: "an expired member", who: async (fx) => fx.expired.account, mask: kindMask("Distributor") },
        { name: "a removed account", who: retiredAccount, mask: kindMask("Hospital") },
        { name: "a governor that is no member", who: async (fx) => fx.governors[0]!, mask: 0x7f },
      ];
      for (const r of refused) {
        it(`refuses ${r.name}`, async function () {
          const fx = await loadRegistry();
          const signer = await r.who(fx);
          await expect(write(fx, signer, r.mask))
            .to.be.revertedWithCustomError(fx.guarded, "ConsortiumGuardedUnauthorized")
            .withArgs(signer.address, r.mask);
        });
      }

      it("refuses even an active member while the module is paused", async function () {
        const fx = await loadRegistry();
        await fx.registry.connect(fx.governors[0]!).pauseModule(RECORDS);
        await expect(write(fx, fx.hospital.account, kindMask("Hospital")))
          .to.be.revertedWithCustomError(fx.guarded, "ConsortiumGuardedPaused")
          .withArgs(RECORDS);
      });

      it("ignores another module's pause", async function () {
        const fx = await loadRegistry();
        await fx.registry.connect(fx.governors[0]!).pauseModule(PROVENANCE);
        await expect(write(fx, fx.hospital.account, kindMask("Hospital"))).to.emit(fx.guarded, "GuardedWritePerformed");
      });

      it("lets members through again once the governors lift the pause", async function () {
        const fx = await loadRegistry();
        await fx.registry.connect(fx.governors[0]!).pauseModule(RECORDS);
        await passProposal(fx, ProposalAction.Unpause, RECORDS);
        await expect(write(fx, fx.hospital.account, kindMask("Hospital"))).to.emit(fx.guarded, "GuardedWritePerformed");
      });

      it("refuses a member from the instant its certification lapses", async function () {
        const fx = await loadRegistry();
        const { certifiedUntil } = await fx.registry.getMember(fx.hospital.id);
        await networkHelpers.time.setNextBlockTimestamp(certifiedUntil);
        await expect(write(fx, fx.hospital.account, kindMask("Hospital")))
          .to.be.revertedWithCustomError(fx.guarded, "ConsortiumGuardedUnauthorized")
          .withArgs(fx.hospital.account.address, kindMask("Hospital"));
      });
    });
  }
});
