// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccessLog} from "./IAccessLog.sol";

/**
 * @title IRecordRegistry
 * @notice The whole external API of the records module: anchoring (`IRecordAnchors`, which includes
 * the `IRecordVerifier` question claims ask), consents (`IConsentBook`) and the access log with
 * break-glass review (`IAccessLog`).
 *
 * Privacy: no patient identifier is ever stored or emitted. A record leaf hides its subject (the
 * patient's per-issuer account) and its salted commitment; a patient appears only as the per-custodian
 * account that signs a consent, and the SDK derives a different account for every hospital from a
 * secret only the patient holds, so one patient's records and consents at two hospitals cannot be
 * linked to each other or to an identity without that secret.
 */
interface IRecordRegistry is IAccessLog {
    /// @notice The next nonce `setGuardian` expects from a patient's account (OpenZeppelin `Nonces`).
    function nonces(address owner) external view returns (uint256);
}
