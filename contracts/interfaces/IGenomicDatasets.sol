// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {ILabSigned} from "./ILabSigned.sol";

/**
 * @title IGenomicDatasets
 * @notice Dataset versions of the genomic-variant consortium: which laboratory owns which de-identified
 * variant dataset, proven by the lab's EIP-712 signature over its Merkle root and description. The raw
 * data never leaves the lab; the chain holds one root per version, whatever the dataset's size.
 *
 * A dataset is keyed by `(lab, name)` (`datasetKey = keccak256(abi.encode(lab, name))`), so no member
 * can register, supersede or withdraw another lab's dataset. Versions of one dataset are numbered
 * 1, 2, ...; a new version supersedes the current one (hash-linked both ways), and a lab can withdraw
 * its current version. Only the current, non-withdrawn version of a dataset can be queried.
 */
interface IGenomicDatasets is ILabSigned {
    /// @notice The standing of a dataset version. `None` means unknown.
    enum VersionStatus {
        None,
        Active, // the dataset's current version: it may be queried
        Superseded, // a later version replaced it
        Withdrawn // the lab withdrew it
    }

    /// @notice Reference assemblies. Only GRCh38 is accepted.
    enum Assembly {
        None,
        GRCh38
    }

    /// @notice What the lab signs (EIP-712 type `DatasetVersion`).
    struct DatasetVersion {
        bytes32 lab; // member id of the owning laboratory
        bytes32 name; // the lab's own name for the dataset (hashed with `lab` into the dataset key)
        uint32 version; // 1 for a new dataset, current + 1 to supersede
        bytes32 root; // Merkle root over the de-identified per-site records (see src/genomics/dataset.ts)
        bytes32 previous; // the version id this supersedes (zero for version 1)
        Assembly assembly_; // reference assembly of every record
        uint32 samples; // number of samples the counts come from
        uint32 sites; // number of variant sites (leaves) in the tree
        uint256 dataUses; // allowed data uses: bit n set = DUO:000000n (numeric DUO term ids < 256)
        uint256 nonce; // the signer's next nonce (replay protection)
        uint256 deadline; // the signature is refused after this time (unix seconds)
    }

    /// @notice A registered version, as stored.
    struct VersionRecord {
        bytes32 datasetKey; // keccak256(abi.encode(lab, name))
        bytes32 root; // Merkle root of the version's records
        bytes32 previous; // version id it superseded (zero for version 1)
        bytes32 next; // version id that superseded it (zero while current)
        uint256 dataUses; // DUO bitmap the lab signed
        bytes32 lab; // owning laboratory
        VersionStatus status; // current standing
        Assembly assembly_; // reference assembly
        uint32 version; // version number
        uint32 samples; // number of samples
        uint32 sites; // number of variant sites
        uint64 registeredAt; // when it was registered
        uint64 changedAt; // when it was superseded or withdrawn (zero while active)
    }

    /// @notice What the query book needs to know about a version, in one call.
    struct QueryView {
        bytes32 lab; // owning laboratory
        bytes32 datasetKey; // the dataset (its privacy budget spans every version)
        VersionStatus status; // only Active versions may be queried
        uint256 dataUses; // DUO bitmap
        uint32 samples; // number of samples
    }

    // ---------------------------------------------------------------- errors

    /// @dev A field of the dataset version is empty or out of range (named by `field`).
    error GenomicsInvalidDataset(bytes32 datasetKey, string field);
    /// @dev Only GRCh38 is accepted.
    error GenomicsUnsupportedAssembly(uint8 assembly_);
    /// @dev The version number or `previous` link does not continue the dataset's current version.
    error GenomicsNotNextVersion(bytes32 datasetKey, uint32 version, uint32 expected, bytes32 previous);
    /// @dev No version has this id.
    error GenomicsUnknownVersion(bytes32 versionId);
    /// @dev The version is not active (superseded or withdrawn).
    error GenomicsVersionNotActive(bytes32 versionId, VersionStatus status);
    /// @dev The caller's member does not own the dataset.
    error GenomicsNotDatasetLab(bytes32 versionId, bytes32 memberId);

    // ---------------------------------------------------------------- events

    /// @dev A lab registered a dataset version (signed by `signer`).
    event DatasetRegistered(
        bytes32 indexed versionId,
        bytes32 indexed datasetKey,
        bytes32 indexed lab,
        uint32 version,
        bytes32 root,
        uint32 samples,
        uint32 sites,
        uint256 dataUses,
        address signer
    );
    /// @dev A newer version superseded `versionId`.
    event DatasetSuperseded(bytes32 indexed versionId, bytes32 indexed supersededBy, bytes32 indexed datasetKey);
    /// @dev The lab withdrew a version; it can no longer be queried.
    event DatasetWithdrawn(bytes32 indexed versionId, bytes32 indexed datasetKey, bytes32 indexed lab);

    // ---------------------------------------------------------------- writes

    /**
     * @notice Register a dataset version signed by an account of its lab (EOA or ERC-1271 wallet).
     * Anyone may submit it (a relayer pays the gas); the signature is the authorisation. Version 1
     * starts a dataset; version n+1 (with `previous` = the current version id) supersedes version n.
     * @param version the signed description
     * @param signer the lab's signing account (an account of `version.lab`)
     * @param signature EIP-712 signature (or ERC-1271 data) over `version`
     * @return versionId `keccak256(abi.encode(datasetKey, version, root))`
     */
    function register(
        DatasetVersion calldata version,
        address signer,
        bytes calldata signature
    ) external returns (bytes32 versionId);

    /**
     * @notice Withdraw the lab's current version: it can no longer be queried. Only an active lab, and not
     * while the module is paused: a suspended lab's data is already out of use (no query is approved
     * over it, it contributes nothing), so a leaked key of a suspended lab, or any key during an
     * emergency, cannot end the lab's datasets and the queries collecting from them.
     * @param versionId the version to withdraw (the caller's member must own it)
     */
    function withdraw(bytes32 versionId) external;

    // ---------------------------------------------------------------- views

    /// @notice A version's stored record (status `None` if unknown).
    function versionOf(bytes32 versionId) external view returns (VersionRecord memory);

    /// @notice The fields the query book checks, in one call (status `None` if unknown).
    function queryView(bytes32 versionId) external view returns (QueryView memory);

    /// @notice The current version id of a dataset (zero if none), and its owning lab.
    function currentVersion(bytes32 datasetKey) external view returns (bytes32 versionId, bytes32 lab);

    /// @notice The dataset key of `(lab, name)`.
    function datasetKeyOf(bytes32 lab, bytes32 name) external pure returns (bytes32);

    /// @notice The id a version gets: `keccak256(abi.encode(datasetKey, version, root))`.
    function versionIdOf(bytes32 datasetKey, uint32 version, bytes32 root) external pure returns (bytes32);

    /// @notice The EIP-712 digest a lab signs for `version`.
    function hashDatasetVersion(DatasetVersion calldata version) external view returns (bytes32);

    /**
     * @notice Whether a de-identified site record is in a version's tree: the leaf
     * `MerkleLeaf.ofPair(keyHash, link)` under the version's root.
     * @param versionId the version
     * @param keyHash keccak256 of the variant key (VRS id or GRCh38 fallback key)
     * @param link keccak256(abi.encode(nextKeyHash, statsCommitment)): the sorted-list link of the leaf
     * @param proof the Merkle proof
     */
    function containsLeaf(
        bytes32 versionId,
        bytes32 keyHash,
        bytes32 link,
        bytes32[] calldata proof
    ) external view returns (bool);
}
