import { emptyTask, task } from "hardhat/config";

import { taskOptions } from "./options.js";

const registry = {
  name: "registry" as const,
  description: "ConsortiumRegistry address (default: the one Ignition deployed on this network)",
  defaultValue: "",
};
const opt = <N extends string>(name: N, description: string) => ({ name, description, defaultValue: "" });

/** `npx hardhat consortium <command>`: membership and governance for operators. */
export const consortiumTasks = [
  emptyTask("consortium", "Consortium membership and governance").build(),
  taskOptions(task(["consortium", "members"], "List the members: code, id, kinds, status, expiry, accounts"))
    .addOption(registry)
    .setAction(() => import("./consortium/members.js"))
    .build(),
  taskOptions(task(["consortium", "proposals"], "List the proposals: action, state, votes, expiry"))
    .addFlag({ name: "open", description: "Only proposals still open for votes or ready to execute" })
    .addOption(registry)
    .setAction(() => import("./consortium/proposals.js"))
    .build(),
  taskOptions(task(["consortium", "certify"], "Certifier: certify an applicant and open its admission vote"), {
    signs: true,
  })
    .addOption(opt("code", "The institution's public registration code (its member id is derived from it)"))
    .addOption(
      opt(
        "kinds",
        "Comma-separated kinds: Hospital, Laboratory, Manufacturer, Distributor, Pharmacy, Insurer, Regulator",
      ),
    )
    .addOption(opt("account", "Its first operating account (optional: the proof names it; if given, must match)"))
    .addOption(opt("proof", "The account's proof of key for this member (from prove-account, signed by the account)"))
    .addOption(opt("until", "Certification expiry: YYYY-MM-DD or unix seconds"))
    .addOption(opt("documents", "File with its registration documents (only their hash goes on chain)"))
    .addOption(registry)
    .setAction(() => import("./consortium/certify.js"))
    .build(),
  taskOptions(
    task(
      ["consortium", "propose"],
      "Governor: propose a change (SetKinds, Suspend, Reinstate, Revoke, AddGovernor, RemoveGovernor, SetThreshold, SetCertifier, Unpause, Pause, SetCertification)",
    ),
    { signs: true },
  )
    .addOption(opt("action", "What to do"))
    .addOption(opt("member", "Target member: id (0x…) or registration code"))
    .addOption(opt("account", "Governor to add/remove, or the new certifier"))
    .addOption(opt("kinds", "New kinds for SetKinds"))
    .addOption(opt("threshold", "New vote threshold for SetThreshold"))
    .addOption(opt("module", "Module to pause or unpause: records, provenance, claims or genomics"))
    .addOption(opt("until", "New certification expiry for SetCertification: YYYY-MM-DD or unix seconds"))
    .addOption(registry)
    .setAction(() => import("./consortium/propose.js"))
    .build(),
  taskOptions(task(["consortium", "vote"], "Governor: vote for a proposal"), { signs: true })
    .addOption(opt("proposal", "Proposal number"))
    .addOption(registry)
    .setAction(() => import("./consortium/vote.js"))
    .build(),
  taskOptions(task(["consortium", "execute"], "Execute a proposal that has enough votes"), { signs: true })
    .addOption(opt("proposal", "Proposal number"))
    .addOption(registry)
    .setAction(() => import("./consortium/execute.js"))
    .build(),
  taskOptions(
    task(["consortium", "account"], "Member: rotate keys by adding or removing one of its own operating accounts"),
    { signs: true },
  )
    .addOption(opt("add", "Account to add"))
    .addOption(opt("proof", "With --add: the new account's proof of key for this member (from prove-account)"))
    .addOption(opt("remove", "Account to remove (retired for good)"))
    .addOption(registry)
    .setAction(() => import("./consortium/account.js"))
    .build(),
  taskOptions(
    task(
      ["consortium", "prove-account"],
      "Holder of a new key: sign its agreement to operate for a member (for account --add, or certify --proof); --as/--from name the new key",
    ),
    { signs: true },
  )
    .addOption(opt("member", "The member the key will operate for: id (0x…) or registration code"))
    .addOption(opt("until", "Proof valid until: YYYY-MM-DD or unix seconds (default: a week)"))
    .addOption(opt("out", "File to write the proof to"))
    .addOption(registry)
    .setAction(() => import("./consortium/prove-account.js"))
    .build(),
  taskOptions(
    task(
      ["consortium", "emergency"],
      "Certifier: suspend a member at once; governor: pause a module for one voting period (a Pause vote holds it)",
    ),
    { signs: true },
  )
    .addOption(opt("suspend", "Member to suspend: id (0x…) or registration code"))
    .addOption(opt("pause", "Module to pause: records, provenance, claims or genomics"))
    .addOption(registry)
    .setAction(() => import("./consortium/emergency.js"))
    .build(),
  taskOptions(
    task(
      ["consortium", "renew"],
      "Certifier: extend a running certification (at most 3 years ahead; anything else: propose SetCertification)",
    ),
    { signs: true },
  )
    .addOption(opt("member", "Member: id (0x…) or registration code"))
    .addOption(opt("until", "New expiry: YYYY-MM-DD or unix seconds"))
    .addOption(registry)
    .setAction(() => import("./consortium/renew.js"))
    .build(),
];
