/**
 * `medchain/consortium`: membership and governance of the consortium registry.
 *
 * Writes take a {@link Connection} (from `connect` in `medchain`) and named parameters and return a
 * `TxResult`; a refusal throws a `MedChainError` of kind `REFUSED` with the decoded custom error.
 */
export type { Connection } from "../chain/connection.js";
export {
  addAccount,
  admit,
  certify,
  execute,
  members,
  pauseModule,
  propose,
  removeAccount,
  renewCertification,
  suspendNow,
  vote,
  type Applicant,
  type MemberRow,
  type ProposalResult,
} from "./governance.js";
export { proposalFrom, type ProposalArgs } from "./args.js";
export { openRegistry } from "./connect.js";
export { memberIdFromCode, metadataCommitment } from "./ids.js";
export {
  kindMask,
  kindNames,
  MEMBER_STATUS,
  MemberKind,
  MODULE_IDS,
  parseKinds,
  ProposalAction,
  UnknownKindError,
  type MemberKindName,
  type MemberStatusName,
  type ModuleName,
  type ProposalActionName,
} from "./kinds.js";
export { ConsortiumRegistry__factory, type ConsortiumRegistry } from "../../typechain-types/index.js";
