import { emptyTask, task } from "hardhat/config";

const registry = {
  name: "registry" as const,
  description: "ConsortiumRegistry address (default: the one Ignition deployed on this network)",
  defaultValue: "",
};
const from = {
  name: "from" as const,
  description: "Which of the network's accounts signs (default: the first)",
  defaultValue: "",
};
const opt = <N extends string>(name: N, description: string) => ({ name, description, defaultValue: "" });

/** `npx hardhat consortium <command>`: membership and governance for operators. */
export const consortiumTasks = [
  emptyTask("consortium", "Consortium membership and governance").build(),
  task(["consortium", "members"], "List the members: id, kinds, status, expiry, accounts")
    .addOption(registry)
    .setAction(() => import("./consortium/members.js"))
    .build(),
  task(["consortium", "certify"], "Certifier: certify an applicant and open its admission vote")
    .addOption(opt("code", "The institution's public registration code (its member id is derived from it)"))
    .addOption(
      opt(
        "kinds",
        "Comma-separated kinds: Hospital, Laboratory, Manufacturer, Distributor, Pharmacy, Insurer, Regulator",
      ),
    )
    .addOption(opt("account", "Its first operating account"))
    .addOption(opt("until", "Certification expiry: YYYY-MM-DD or unix seconds"))
    .addOption(opt("documents", "File with its registration documents (only their hash goes on chain)"))
    .addOption(registry)
    .addOption(from)
    .setAction(() => import("./consortium/certify.js"))
    .build(),
  task(
    ["consortium", "propose"],
    "Governor: propose a change (SetKinds, Suspend, Reinstate, Revoke, AddGovernor, RemoveGovernor, SetThreshold, SetCertifier, Unpause, Pause, SetCertification)",
  )
    .addOption(opt("action", "What to do"))
    .addOption(opt("member", "Target member: id (0x…) or registration code"))
    .addOption(opt("account", "Governor to add/remove, or the new certifier"))
    .addOption(opt("kinds", "New kinds for SetKinds"))
    .addOption(opt("threshold", "New vote threshold for SetThreshold"))
    .addOption(opt("module", "Module to pause or unpause: records, provenance or claims"))
    .addOption(opt("until", "New certification expiry for SetCertification: YYYY-MM-DD or unix seconds"))
    .addOption(registry)
    .addOption(from)
    .setAction(() => import("./consortium/propose.js"))
    .build(),
  task(["consortium", "vote"], "Governor: vote for a proposal")
    .addOption(opt("proposal", "Proposal number"))
    .addOption(registry)
    .addOption(from)
    .setAction(() => import("./consortium/vote.js"))
    .build(),
  task(["consortium", "execute"], "Execute a proposal that has enough votes")
    .addOption(opt("proposal", "Proposal number"))
    .addOption(registry)
    .addOption(from)
    .setAction(() => import("./consortium/execute.js"))
    .build(),
  task(["consortium", "account"], "Member: rotate keys by adding or removing one of its own operating accounts")
    .addOption(opt("add", "Account to add"))
    .addOption(opt("remove", "Account to remove (retired for good)"))
    .addOption(registry)
    .addOption(from)
    .setAction(() => import("./consortium/account.js"))
    .build(),
  task(
    ["consortium", "emergency"],
    "Certifier: suspend a member at once; governor: pause a module for one voting period (a Pause vote holds it)",
  )
    .addOption(opt("suspend", "Member to suspend: id (0x…) or registration code"))
    .addOption(opt("pause", "Module to pause: records, provenance or claims"))
    .addOption(registry)
    .addOption(from)
    .setAction(() => import("./consortium/emergency.js"))
    .build(),
  task(
    ["consortium", "renew"],
    "Certifier: extend a running certification (at most 3 years ahead; anything else: propose SetCertification)",
  )
    .addOption(opt("member", "Member: id (0x…) or registration code"))
    .addOption(opt("until", "New expiry: YYYY-MM-DD or unix seconds"))
    .addOption(registry)
    .addOption(from)
    .setAction(() => import("./consortium/renew.js"))
    .build(),
];
