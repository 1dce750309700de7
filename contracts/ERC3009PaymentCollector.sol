// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {AuthCaptureEscrow, ITokenCollector, SafeTokenTransfer} from "./AuthCaptureEscrow.sol";

/// @notice Shared by token collectors: only the escrow may ask one to collect.
abstract contract TokenCollector is ITokenCollector {
    AuthCaptureEscrow public immutable authCaptureEscrow;

    error OnlyAuthCaptureEscrow();

    constructor(address authCaptureEscrow_) {
        authCaptureEscrow = AuthCaptureEscrow(authCaptureEscrow_);
    }

    function collectTokens(
        AuthCaptureEscrow.PaymentInfo calldata paymentInfo,
        address tokenStore,
        uint256 amount,
        bytes calldata collectorData
    ) external {
        if (msg.sender != address(authCaptureEscrow)) revert OnlyAuthCaptureEscrow();
        _collectTokens(paymentInfo, tokenStore, amount, collectorData);
    }

    function _collectTokens(
        AuthCaptureEscrow.PaymentInfo calldata paymentInfo,
        address tokenStore,
        uint256 amount,
        bytes calldata collectorData
    ) internal virtual;
}

interface IERC3009Receive {
    function receiveWithAuthorization(
        address from,
        address to,
        uint256 value,
        uint256 validAfter,
        uint256 validBefore,
        bytes32 nonce,
        bytes memory signature
    ) external;
}

interface IMulticall3TryAggregate {
    struct Call {
        address target;
        bytes callData;
    }

    struct Result {
        bool success;
        bytes returnData;
    }

    function tryAggregate(bool requireSuccess, Call[] calldata calls) external payable returns (Result[] memory);
}

/// @title ERC3009PaymentCollector
/// @notice Collects a payment with the payer's ERC-3009 `receiveWithAuthorization`, signed to this
///         contract for exactly `maxAmount`, valid until `preApprovalExpiry`, with the nonce derived
///         from the payment itself (its escrow hash with `payer = 0`). So the signature can fund this
///         one payment and nothing else, and once collected the token marks the nonce used: the
///         payer can neither reuse it nor cancel it. Interface of commerce-payments' collector.
/// @dev `collectorData` is the payer's signature, or an ERC-6492 envelope around it (a wallet not
///      deployed yet): the envelope's preparation call runs through Multicall3 (a neutral sender)
///      before the token checks the inner signature.
contract ERC3009PaymentCollector is TokenCollector {
    bytes32 internal constant _ERC6492_MAGIC_VALUE = 0x6492649264926492649264926492649264926492649264926492649264926492;

    CollectorType public constant override collectorType = CollectorType.Payment;

    IMulticall3TryAggregate public immutable multicall3;

    constructor(address authCaptureEscrow_, address multicall3_) TokenCollector(authCaptureEscrow_) {
        multicall3 = IMulticall3TryAggregate(multicall3_);
    }

    function _collectTokens(
        AuthCaptureEscrow.PaymentInfo calldata paymentInfo,
        address tokenStore,
        uint256 amount,
        bytes calldata collectorData
    ) internal override {
        address token = paymentInfo.token;
        uint256 maxAmount = paymentInfo.maxAmount;

        IERC3009Receive(token).receiveWithAuthorization(
            paymentInfo.payer,
            address(this),
            maxAmount,
            0,
            paymentInfo.preApprovalExpiry,
            _payerAgnosticHash(paymentInfo),
            _innerSignature(collectorData)
        );

        // The authorization is for maxAmount: give back what this collection does not take.
        if (maxAmount > amount) SafeTokenTransfer.transfer(token, paymentInfo.payer, maxAmount - amount);
        SafeTokenTransfer.transfer(token, tokenStore, amount);
    }

    function _payerAgnosticHash(AuthCaptureEscrow.PaymentInfo calldata paymentInfo) internal view returns (bytes32) {
        AuthCaptureEscrow.PaymentInfo memory agnostic = paymentInfo;
        agnostic.payer = address(0);
        return authCaptureEscrow.getHash(agnostic);
    }

    function _innerSignature(bytes calldata signature) internal returns (bytes memory) {
        uint256 length = signature.length;
        if (length < 32 || bytes32(signature[length - 32:]) != _ERC6492_MAGIC_VALUE) return signature;

        (address prepareTarget, bytes memory prepareData, bytes memory inner) =
            abi.decode(signature[:length - 32], (address, bytes, bytes));
        IMulticall3TryAggregate.Call[] memory calls = new IMulticall3TryAggregate.Call[](1);
        calls[0] = IMulticall3TryAggregate.Call(prepareTarget, prepareData);
        multicall3.tryAggregate(false, calls);
        return inner;
    }
}

/// @title OperatorRefundCollector
/// @notice Funds refunds from the operator itself (an ERC-20 allowance the operator gave this
///         contract). Only the operator can start a refund, so that is the authentication.
contract OperatorRefundCollector is TokenCollector {
    CollectorType public constant override collectorType = CollectorType.Refund;

    constructor(address authCaptureEscrow_) TokenCollector(authCaptureEscrow_) {}

    function _collectTokens(
        AuthCaptureEscrow.PaymentInfo calldata paymentInfo,
        address tokenStore,
        uint256 amount,
        bytes calldata
    ) internal override {
        SafeTokenTransfer.transferFrom(paymentInfo.token, paymentInfo.operator, tokenStore, amount);
    }
}
