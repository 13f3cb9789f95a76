import { deployConsortium, ONE_YEAR } from "../test/helpers/consortium.js";
import { memberIdFromCode, metadataCommitment } from "../src/consortium/ids.js";
import { kindMask, MODULE_IDS, ProposalAction } from "../src/consortium/kinds.js";
import { accountProofFor } from "../src/consortium/account-proof.js";
import { proposalIdFrom } from "../src/consortium/governance.js";
import { gasOf } from "./measure.js";
import type { Bench } from "./types.js";

/** Gas of every ConsortiumRegistry write. */
export const consortiumBench: Bench = async ({ ethers, networkHelpers }) => {
  const fx = await deployConsortium(ethers);
  const { registry, certifier, governors, spare } = fx;
  const [g1, g2] = governors as [(typeof governors)[0], (typeof governors)[0]];
  const [hospital, second, third] = spare as [(typeof spare)[0], (typeof spare)[0], (typeof spare)[0]];
  const now = BigInt(await networkHelpers.time.latest());
  const memberId = memberIdFromCode("BENCH-H-1");

  const hospitalProof = await accountProofFor(registry, hospital, memberId);
  const certifyTx = registry
    .connect(certifier)
    .certify(
      memberId,
      metadataCommitment("docs"),
      kindMask("Hospital"),
      hospital.address,
      now + ONE_YEAR,
      hospitalProof,
    );
  const certify = await gasOf(certifyTx);
  const proposalId = await registry.proposalCount();
  const vote = await gasOf(registry.connect(g1).vote(proposalId));
  await gasOf(registry.connect(g2).vote(proposalId));
  const executeAdmit = await gasOf(registry.connect(g2).execute(proposalId));

  const proposeTx = registry.connect(g1).propose(ProposalAction.Suspend, memberId, ethers.ZeroAddress, 0, 0);
  const propose = await gasOf(proposeTx);
  const suspendId = proposalIdFrom(
    registry,
    (await (await registry.connect(g1).propose(ProposalAction.Suspend, memberId, ethers.ZeroAddress, 0, 0)).wait())!,
  );

  const secondProof = await accountProofFor(registry, second, memberId);
  const addAccount = await gasOf(registry.connect(hospital).addAccount(second.address, secondProof));
  const thirdProof = await accountProofFor(registry, third, memberId);
  await gasOf(registry.connect(hospital).addAccount(third.address, thirdProof));
  const removeAccount = await gasOf(registry.connect(hospital).removeAccount(third.address));
  const renew = await gasOf(registry.connect(certifier).renewCertification(memberId, now + 2n * ONE_YEAR));
  const pause = await gasOf(registry.connect(g1).pauseModule(MODULE_IDS.records));
  const emergencySuspend = await gasOf(registry.connect(certifier).emergencySuspend(memberId));
  await gasOf(registry.connect(g1).vote(suspendId));

  return [
    { operation: "consortium.certify", gas: certify },
    { operation: "consortium.vote", gas: vote },
    { operation: "consortium.executeAdmission", gas: executeAdmit },
    { operation: "consortium.propose", gas: propose },
    { operation: "consortium.addAccount", gas: addAccount },
    { operation: "consortium.removeAccount", gas: removeAccount },
    { operation: "consortium.renewCertification", gas: renew },
    { operation: "consortium.pauseModule", gas: pause },
    { operation: "consortium.emergencySuspend", gas: emergencySuspend },
  ];
};
