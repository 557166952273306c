// SPDX-License-Identifier: MIT
// WitnessAnchorRegistry.t.sol -- forge tests (offline: no forge-std, a minimal Vm interface).
pragma solidity ^0.8.20;

import {WitnessAnchorRegistry} from "../WitnessAnchorRegistry.sol";

/// The subset of forge's cheatcodes these tests use (address per the forge book).
interface Vm {
    function prank(address) external;
    function warp(uint256) external;
    function assume(bool) external;
    function expectRevert(bytes calldata) external;
    function expectEmit(bool, bool, bool, bool, address) external;
}

contract WitnessAnchorRegistryTest {
    Vm constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));
    WitnessAnchorRegistry reg;
    address constant STRANGER = address(0xBEEF);
    address constant RELAYER2 = address(0xCAFE);

    event Anchored(uint256 indexed batchId, bytes32 root, uint256 timestamp);

    function setUp() public {
        reg = new WitnessAnchorRegistry();
    }

    function eq(uint256 a, uint256 b, string memory what) internal pure {
        require(a == b, what);
    }

    function test_deployerIsOwnerAndRelayer() public view {
        require(reg.owner() == address(this), "owner");
        require(reg.relayers(address(this)), "deployer is relayer");
        eq(reg.batchCount(), 0, "starts empty");
    }

    function test_anchorStoresRootTimestampAndCounts() public {
        vm.warp(1_700_000_000);
        uint256 id0 = reg.anchor(bytes32(uint256(1)));
        vm.warp(1_700_000_100);
        uint256 id1 = reg.anchor(bytes32(uint256(2)));
        eq(id0, 0, "first batch id 0");
        eq(id1, 1, "second batch id 1");
        eq(reg.batchCount(), 2, "batchCount");
        require(reg.roots(0) == bytes32(uint256(1)), "root 0");
        require(reg.roots(1) == bytes32(uint256(2)), "root 1");
        eq(reg.timestamps(0), 1_700_000_000, "timestamp 0");
        eq(reg.timestamps(1), 1_700_000_100, "timestamp 1");
    }

    function test_verify() public {
        bytes32 r = keccak256("root");
        reg.anchor(r);
        require(reg.verify(0, r), "verify true");
        require(!reg.verify(0, keccak256("other")), "verify wrong root");
        require(!reg.verify(1, r), "verify missing batch");
        require(!reg.verify(1, bytes32(0)), "zero root never verifies a missing batch");
    }

    function test_emitsAnchored() public {
        vm.warp(1_234_567);
        bytes32 r = keccak256("event");
        vm.expectEmit(true, false, false, true, address(reg));
        emit Anchored(0, r, 1_234_567);
        reg.anchor(r);
    }

    function test_zeroRootRefused() public {
        vm.expectRevert(abi.encodeWithSelector(WitnessAnchorRegistry.ZeroRoot.selector));
        reg.anchor(bytes32(0));
    }

    function test_strangerCannotAnchor() public {
        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(WitnessAnchorRegistry.NotRelayer.selector, STRANGER));
        reg.anchor(bytes32(uint256(7)));
        eq(reg.batchCount(), 0, "nothing written");
    }

    function test_strangerCannotManageRelayers() public {
        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(WitnessAnchorRegistry.NotOwner.selector, STRANGER));
        reg.setRelayer(STRANGER, true);
        vm.prank(STRANGER);
        vm.expectRevert(abi.encodeWithSelector(WitnessAnchorRegistry.NotOwner.selector, STRANGER));
        reg.transferOwnership(STRANGER);
    }

    function test_ownerAddsAndRevokesRelayer() public {
        reg.setRelayer(RELAYER2, true);
        vm.prank(RELAYER2);
        eq(reg.anchor(bytes32(uint256(9))), 0, "new relayer anchors");
        reg.setRelayer(RELAYER2, false);
        vm.prank(RELAYER2);
        vm.expectRevert(abi.encodeWithSelector(WitnessAnchorRegistry.NotRelayer.selector, RELAYER2));
        reg.anchor(bytes32(uint256(10)));
    }

    function test_transferOwnership() public {
        reg.transferOwnership(RELAYER2);
        require(reg.owner() == RELAYER2, "new owner");
        vm.expectRevert(abi.encodeWithSelector(WitnessAnchorRegistry.NotOwner.selector, address(this)));
        reg.setRelayer(STRANGER, true);
        vm.prank(RELAYER2);
        vm.expectRevert(abi.encodeWithSelector(WitnessAnchorRegistry.ZeroAddress.selector));
        reg.transferOwnership(address(0));
    }

    function testFuzz_anchorAnyNonZeroRoot(bytes32 r, uint32 ts) public {
        vm.assume(r != bytes32(0));
        vm.warp(ts);
        vm.expectEmit(true, false, false, true, address(reg));
        emit Anchored(0, r, ts);
        uint256 id = reg.anchor(r);
        eq(id, 0, "id");
        require(reg.roots(id) == r, "root stored");
        eq(reg.timestamps(id), ts, "timestamp stored");
        require(reg.verify(id, r), "verifies");
        require(!reg.verify(id, ~r), "other root does not verify");
    }

    function testFuzz_strangerNeverAnchors(address who, bytes32 r) public {
        vm.assume(who != address(this) && r != bytes32(0));
        vm.prank(who);
        vm.expectRevert(abi.encodeWithSelector(WitnessAnchorRegistry.NotRelayer.selector, who));
        reg.anchor(r);
    }
}
