// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IConsortiumRegistry} from "../../../contracts/interfaces/IConsortiumRegistry.sol";
import {MemberKinds} from "../../../contracts/libraries/MemberKinds.sol";
import {TestBase} from "../utils/TestBase.sol";

/// @notice The literal kind bits every module uses are the enum's bits, and ALL is exactly their union.
contract MemberKindsTest is TestBase {
    function test_literalBitsAreTheEnumsBits() public pure {
        assertEq(MemberKinds.HOSPITAL, MemberKinds.bit(IConsortiumRegistry.MemberKind.Hospital), "Hospital");
        assertEq(MemberKinds.LABORATORY, MemberKinds.bit(IConsortiumRegistry.MemberKind.Laboratory), "Laboratory");
        assertEq(
            MemberKinds.MANUFACTURER,
            MemberKinds.bit(IConsortiumRegistry.MemberKind.Manufacturer),
            "Manufacturer"
        );
        assertEq(MemberKinds.DISTRIBUTOR, MemberKinds.bit(IConsortiumRegistry.MemberKind.Distributor), "Distributor");
        assertEq(MemberKinds.PHARMACY, MemberKinds.bit(IConsortiumRegistry.MemberKind.Pharmacy), "Pharmacy");
        assertEq(MemberKinds.INSURER, MemberKinds.bit(IConsortiumRegistry.MemberKind.Insurer), "Insurer");
        assertEq(MemberKinds.REGULATOR, MemberKinds.bit(IConsortiumRegistry.MemberKind.Regulator), "Regulator");
        uint256 union =
            MemberKinds.HOSPITAL |
                MemberKinds.LABORATORY |
                MemberKinds.MANUFACTURER |
                MemberKinds.DISTRIBUTOR |
                MemberKinds.PHARMACY |
                MemberKinds.INSURER |
                MemberKinds.REGULATOR;
        assertEq(MemberKinds.ALL, union, "ALL is every kind");
        assertEq(uint8(type(IConsortiumRegistry.MemberKind).max), 6, "no kind beyond Regulator");
    }
}
