// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

import {ConsortiumGuarded} from "../consortium/ConsortiumGuarded.sol";
import {IConsortiumRegistry} from "../interfaces/IConsortiumRegistry.sol";
import {IGenomicDatasets} from "../interfaces/IGenomicDatasets.sol";
import {MemberKinds} from "../libraries/MemberKinds.sol";
import {MerkleLeaf} from "../libraries/MerkleLeaf.sol";
import {LabSignatures} from "./base/LabSignatures.sol";
import {VersionInfo, VersionInfoLibrary} from "./libraries/VersionInfo.sol";

/**
 * @title GenomicDatasets
 * @notice Dataset versions and their ownership: a laboratory signs (EIP-712, ERC-1271 accepted) the
 * Merkle root of its de-identified per-site records together with the assembly, sample count, site
 * count and allowed data uses; the chain keeps one root per version, so registration costs the same
 * whatever the dataset's size. Versions are keyed under `(lab, name)`: nobody but the lab's own
 * accounts can start, supersede or withdraw its datasets.
 */
contract GenomicDatasets is IGenomicDatasets, LabSignatures {
    /// @notice EIP-712 type of a dataset version.
    bytes32 public constant DATASET_VERSION_TYPEHASH = keccak256(
        "DatasetVersion(bytes32 lab,bytes32 name,uint32 version,bytes32 root,bytes32 previous,uint8 assembly,"
        "uint32 samples,uint32 sites,uint256 dataUses,uint256 nonce,uint256 deadline)"
    );

    /// @dev A version as stored: the scalars are packed into `info`.
    struct StoredVersion {
        bytes32 datasetKey; // keccak256(abi.encode(lab, name))
        bytes32 root; // Merkle root of the records
        bytes32 previous; // version it superseded (zero for version 1)
        bytes32 next; // version that superseded it (zero while current)
        uint256 dataUses; // DUO bitmap
        VersionInfo info; // status, assembly, version, samples, sites, times
    }

    /// @dev A dataset: its owner and its latest version.
    struct StoredDataset {
        bytes32 lab; // owning laboratory (fixed by the first version)
        bytes32 current; // latest version id (active or withdrawn)
    }

    mapping(bytes32 versionId => StoredVersion version) private _versions;
    mapping(bytes32 datasetKey => StoredDataset dataset) private _datasets;

    /// @param registry the consortium registry to trust
    constructor(
        IConsortiumRegistry registry
    ) ConsortiumGuarded(registry, MemberKinds.MODULE_GENOMICS) EIP712("MedChain GenomicDatasets", "1") {}

    // ================================================================ writes

    /// @inheritdoc IGenomicDatasets
    function register(
        DatasetVersion calldata v,
        address signer,
        bytes calldata signature
    ) external whenNotPaused returns (bytes32 versionId) {
        bytes32 datasetKey = keccak256(abi.encode(v.lab, v.name));
        _checkFields(datasetKey, v);
        StoredDataset storage dataset = _datasets[datasetKey];
        bytes32 current = dataset.current;
        uint32 expected = current == bytes32(0) ? 1 : _versions[current].info.version() + 1;
        if (v.version != expected || v.previous != current) {
            revert GenomicsNotNextVersion(datasetKey, v.version, expected, v.previous);
        }
        _useLabSignature(v.lab, signer, _structHash(v), v.nonce, v.deadline, signature);

        versionId = keccak256(abi.encode(datasetKey, v.version, v.root));
        _versions[versionId] = StoredVersion({
            datasetKey: datasetKey,
            root: v.root,
            previous: current,
            next: bytes32(0),
            dataUses: v.dataUses,
            info: VersionInfoLibrary.pack(v.assembly_, v.version, v.samples, v.sites, uint64(block.timestamp))
        });
        if (current == bytes32(0)) dataset.lab = v.lab;
        dataset.current = versionId;
        _emitRegistered(versionId, datasetKey, v, signer);

        if (current != bytes32(0)) {
            StoredVersion storage old = _versions[current];
            old.next = versionId;
            // A withdrawn version stays withdrawn; an active one is superseded now.
            if (old.info.status() == VersionStatus.Active) {
                old.info = old.info.ended(VersionStatus.Superseded, uint64(block.timestamp));
                emit DatasetSuperseded(current, versionId, datasetKey);
            }
        }
    }

    /// @inheritdoc IGenomicDatasets
    function withdraw(bytes32 versionId) external {
        StoredVersion storage version = _versions[versionId];
        VersionStatus status = version.info.status();
        if (status == VersionStatus.None) revert GenomicsUnknownVersion(versionId);
        bytes32 lab = _datasets[version.datasetKey].lab;
        bytes32 memberId = _requireMemberWhenNotPaused(msg.sender, MemberKinds.LABORATORY);
        if (memberId != lab) revert GenomicsNotDatasetLab(versionId, memberId);
        if (status != VersionStatus.Active) revert GenomicsVersionNotActive(versionId, status);
        version.info = version.info.ended(VersionStatus.Withdrawn, uint64(block.timestamp));
        emit DatasetWithdrawn(versionId, version.datasetKey, lab);
    }

    // ================================================================ views

    /// @inheritdoc IGenomicDatasets
    function versionOf(bytes32 versionId) external view returns (VersionRecord memory record) {
        StoredVersion storage v = _versions[versionId];
        VersionInfo info = v.info;
        record = VersionRecord({
            datasetKey: v.datasetKey,
            root: v.root,
            previous: v.previous,
            next: v.next,
            dataUses: v.dataUses,
            lab: _datasets[v.datasetKey].lab,
            status: info.status(),
            assembly_: info.assembly_(),
            version: info.version(),
            samples: info.samples(),
            sites: info.sites(),
            registeredAt: info.registeredAt(),
            changedAt: info.changedAt()
        });
    }

    /// @inheritdoc IGenomicDatasets
    function queryView(bytes32 versionId) external view returns (QueryView memory) {
        StoredVersion storage v = _versions[versionId];
        VersionInfo info = v.info;
        return
            QueryView({
                lab: _datasets[v.datasetKey].lab,
                datasetKey: v.datasetKey,
                status: info.status(),
                dataUses: v.dataUses,
                samples: info.samples()
            });
    }

    /// @inheritdoc IGenomicDatasets
    function currentVersion(bytes32 datasetKey) external view returns (bytes32 versionId, bytes32 lab) {
        StoredDataset storage dataset = _datasets[datasetKey];
        return (dataset.current, dataset.lab);
    }

    /// @inheritdoc IGenomicDatasets
    function datasetKeyOf(bytes32 lab, bytes32 name) external pure returns (bytes32) {
        return keccak256(abi.encode(lab, name));
    }

    /// @inheritdoc IGenomicDatasets
    function versionIdOf(bytes32 datasetKey, uint32 version, bytes32 root) external pure returns (bytes32) {
        return keccak256(abi.encode(datasetKey, version, root));
    }

    /// @inheritdoc IGenomicDatasets
    function hashDatasetVersion(DatasetVersion calldata v) external view returns (bytes32) {
        return _hashTypedDataV4(_structHash(v));
    }

    /// @inheritdoc IGenomicDatasets
    function containsLeaf(
        bytes32 versionId,
        bytes32 keyHash,
        bytes32 link,
        bytes32[] calldata proof
    ) external view returns (bool) {
        bytes32 root = _versions[versionId].root;
        return root != bytes32(0) && MerkleProof.verifyCalldata(proof, root, MerkleLeaf.ofPair(keyHash, link));
    }

    // ================================================================ internals

    function _emitRegistered(bytes32 versionId, bytes32 datasetKey, DatasetVersion calldata v, address signer) private {
        emit DatasetRegistered(versionId, datasetKey, v.lab, v.version, v.root, v.samples, v.sites, v.dataUses, signer);
    }

    function _structHash(DatasetVersion calldata v) private pure returns (bytes32) {
        return keccak256(abi.encode(DATASET_VERSION_TYPEHASH, v));
    }

    /// @dev Refuses empty or out-of-range fields, naming the first one.
    function _checkFields(bytes32 datasetKey, DatasetVersion calldata v) private pure {
        if (v.assembly_ != Assembly.GRCh38) revert GenomicsUnsupportedAssembly(uint8(v.assembly_));
        if (v.name == bytes32(0)) revert GenomicsInvalidDataset(datasetKey, "name");
        if (v.root == bytes32(0)) revert GenomicsInvalidDataset(datasetKey, "root");
        if (v.samples == 0) revert GenomicsInvalidDataset(datasetKey, "samples");
        if (v.sites == 0) revert GenomicsInvalidDataset(datasetKey, "sites");
        // Bit 0 would be DUO:0000000, which is no term.
        if (v.dataUses == 0 || v.dataUses & 1 != 0) revert GenomicsInvalidDataset(datasetKey, "dataUses");
    }
}
