// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";

import {ConsortiumGuarded} from "../consortium/ConsortiumGuarded.sol";
import {IConsortiumRegistry} from "../interfaces/IConsortiumRegistry.sol";
import {IRecordRegistry} from "../interfaces/IRecordRegistry.sol";
import {MemberKinds} from "../libraries/MemberKinds.sol";
import {AccessLog} from "./AccessLog.sol";

/**
 * @title RecordRegistry
 * @notice The records module: three small bases, one job each.
 * - `RecordAnchors`: record leaves and batches keyed by their issuer; amendment and retraction by the
 *   issuer only; one status per record however it is looked up.
 * - `ConsentBook`: patients' consents and guardians (EIP-712, ERC-1271), keyed by the hash of the terms.
 * - `AccessLog`: audited access under a consent (reaching only records the custodian bound to the
 *   consenting patient), also from grantees' signed requests submitted by the custodian's gateway
 *   (many per transaction), and break-glass accesses reviewed by a regulator other than the accessor
 *   (the bookkeeping in the linked library `BreakGlassLog`).
 * Every write asks the ConsortiumRegistry who the caller is and whether the module is paused.
 */
contract RecordRegistry is IRecordRegistry, AccessLog {
    constructor(IConsortiumRegistry registry) ConsortiumGuarded(registry, MemberKinds.MODULE_RECORDS) {}

    /// @inheritdoc IRecordRegistry
    function nonces(address owner) public view override(IRecordRegistry, Nonces) returns (uint256) {
        return super.nonces(owner);
    }
}
