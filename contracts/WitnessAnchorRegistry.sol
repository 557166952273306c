// SPDX-License-Identifier: MIT
// WitnessAnchorRegistry -- stores Merkle roots of Witness Anchor batches, one per batchId.
pragma solidity ^0.8.20;

/// @title WitnessAnchorRegistry
/// @notice The rollout plan's interface (batchCount, roots, timestamps, anchor,
/// verify, Anchored) unchanged, plus an owner-managed set of relayers: only a
/// relayer may anchor, because a batchId is a public name that verifiers look up
/// and anyone else writing batches would dilute it. The deployer is the owner
/// and the first relayer.
contract WitnessAnchorRegistry {
    uint256 public batchCount;
    mapping(uint256 => bytes32) public roots;
    mapping(uint256 => uint256) public timestamps;

    address public owner;
    mapping(address => bool) public relayers;

    event Anchored(uint256 indexed batchId, bytes32 root, uint256 timestamp);
    event RelayerSet(address indexed relayer, bool allowed);
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    error NotOwner(address caller);
    error NotRelayer(address caller);
    error ZeroRoot();
    error ZeroAddress();

    constructor() {
        owner = msg.sender;
        relayers[msg.sender] = true;
        emit OwnershipTransferred(address(0), msg.sender);
        emit RelayerSet(msg.sender, true);
    }

    modifier onlyOwner() {
        if (msg.sender != owner) revert NotOwner(msg.sender);
        _;
    }

    /// @notice Record merkleRoot as the next batch. A zero root is refused: an
    /// unset slot reads as zero, so a zero root would be indistinguishable from
    /// "never anchored".
    function anchor(bytes32 merkleRoot) external returns (uint256 batchId) {
        if (!relayers[msg.sender]) revert NotRelayer(msg.sender);
        if (merkleRoot == bytes32(0)) revert ZeroRoot();
        batchId = batchCount++;
        roots[batchId] = merkleRoot;
        timestamps[batchId] = block.timestamp;
        emit Anchored(batchId, merkleRoot, block.timestamp);
    }

    /// @notice True iff batchId exists and its root is expectedRoot (so a
    /// zero expectedRoot never verifies against a batch that does not exist).
    function verify(uint256 batchId, bytes32 expectedRoot) external view returns (bool) {
        return batchId < batchCount && roots[batchId] == expectedRoot;
    }

    /// @notice Allow or revoke a relayer (owner only).
    function setRelayer(address relayer, bool allowed) external onlyOwner {
        if (relayer == address(0)) revert ZeroAddress();
        relayers[relayer] = allowed;
        emit RelayerSet(relayer, allowed);
    }

    /// @notice Hand the registry to a new owner (owner only; not to address 0).
    function transferOwnership(address newOwner) external onlyOwner {
        if (newOwner == address(0)) revert ZeroAddress();
        emit OwnershipTransferred(owner, newOwner);
        owner = newOwner;
    }
}
