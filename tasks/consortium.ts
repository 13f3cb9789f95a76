import { emptyTask, task } from "hardhat/config";

const registryOption = {
  name: "registry" as const,
  description: "ConsortiumRegistry address (default: the one Ignition deployed on this network)",
  defaultValue: "",
};

/** `npx hardhat consortium <command>`: membership and governance for operators. */
export const consortiumTasks = [
  emptyTask("consortium", "Consortium membership and governance").build(),
  task(["consortium", "members"], "List the members: id, kinds, status, expiry, accounts")
    .addOption(registryOption)
    .setAction(() => import("./consortium/members.js"))
    .build(),
];
