/**
 * `medchain`: the shared chain layer every module uses, for programs that integrate with a MedChain
 * consortium. Connect once, then call the modules (`medchain/consortium`, `medchain/records`,
 * `medchain/provenance`, `medchain/claims`) with the connection.
 *
 * Conventions: every write takes a {@link Connection} and named parameters and returns a
 * {@link TxResult} (hash, receipt, decoded events); every failure is a {@link MedChainError} whose
 * `kind` says what went wrong (`BAD_INPUT`, `REFUSED` with the decoded custom error in `revert`,
 * `NEGATIVE_VERDICT`, `UNREACHABLE`, `INTERNAL`).
 */
export {
  connect,
  contractAddress,
  DEPLOYMENT_IDS,
  openContract,
  requireSigner,
  withSigner,
  type ConnectOptions,
  type Connection,
  type ContractName,
  type ContractOf,
  type FeeOverrides,
} from "./chain/connection.js";
export {
  badInput,
  decodeContractRevert,
  EXIT_CODES,
  formatRevert,
  MedChainError,
  negativeVerdict,
  toMedChainError,
  type ContractRevert,
  type ErrorKind,
  type MedChainErrorOptions,
} from "./chain/errors.js";
export {
  decodeEvents,
  FeeSigner,
  findEvent,
  requireEvent,
  sendTx,
  waitForReceipt,
  withFees,
  type DecodedEvent,
  type Sendable,
  type TxResult,
  type WaitOptions,
} from "./chain/send.js";
export { medchainInterface } from "./chain/abi.js";
export { checkRegistrationCode, memberIdFromCode, memberRef, parseMemberRef, type MemberRef } from "./chain/members.js";
export { checkSecret, KEY32, type SecretFormat } from "./chain/secrets.js";
export {
  DEFAULT_MAX_JSON_BYTES,
  findDuplicateKey,
  formatJsonPath,
  parseJsonText,
  readJsonFile,
  readJsonFileAs,
  type ReadFileOptions,
} from "./chain/files.js";
export { isoDate, parseAccount, parseAddress, parseDate } from "./chain/values.js";
export { Journal, type JournalEntry } from "./chain/journal.js";
export { lockFile, lockFolder, whileHolding, type Release } from "./chain/file-lock.js";
export { leafOfBytes32, leafOfPair } from "./chain/merkle-leaf.js";
export { MerkleBatch, processProof } from "./chain/merkle-tree.js";
export {
  JobError,
  runJob,
  type JobEvent,
  type JobOptions,
  type JobReport,
  type JobStep,
  type StepOutcome,
  type StepStatus,
  type TxCall,
} from "./chain/pipeline.js";
export {
  ClaimsEngine__factory,
  ClaimsPlans__factory,
  ConsortiumRegistry__factory,
  DrugProvenance__factory,
  RecordRegistry__factory,
  TestStablecoin__factory,
  type ClaimsEngine,
  type ClaimsPlans,
  type ConsortiumRegistry,
  type DrugProvenance,
  type RecordRegistry,
  type TestStablecoin,
} from "../typechain-types/index.js";
