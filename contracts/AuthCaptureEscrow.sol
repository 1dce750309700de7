// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title AuthCaptureEscrow
/// @notice Our own escrow for local chains, with the interface of base/commerce-payments'
///         AuthCaptureEscrow v1.1 (the contract the x402 `auth-capture` scheme builds on): the same
///         PaymentInfo struct and `getHash`, the same functions, events and custom errors, and the
///         same rules, so that a payment signed by a stock x402 client for the canonical deployment
///         works against it when it is installed at the canonical address.
///
///         A payment's life: the operator `authorize`s it (a token collector pulls the payer's funds
///         into the operator's token store), then `capture`s parts of the hold to the receiver (a
///         fee, bounded by the payer-signed bps, goes to the fee receiver) and/or `void`s the rest
///         back to the payer. `charge` is authorize + capture in one step. From
///         `authorizationExpiry` on the payer may `reclaim` whatever is still held. Until
///         `refundExpiry` the operator may `refund` captured funds (liquidity from a refund collector).
///
/// @dev Installed with anvil_setCode: no storage is set at construction, only an immutable, so the
///      runtime code alone is the whole contract. Written from the published interface and the
///      x402 EVM binding; not a copy of the audited contract. For local chains and tests only.
contract AuthCaptureEscrow {
    /// @notice Everything that defines one payment; its hash (`getHash`) is the payment's id.
    struct PaymentInfo {
        /// @dev Drives the payment: the only caller of authorize/charge/capture/void/refund.
        address operator;
        /// @dev Whose funds are collected; the only caller of reclaim.
        address payer;
        /// @dev Who is paid (minus fees).
        address receiver;
        address token;
        /// @dev The most that may be collected for this payment.
        uint120 maxAmount;
        /// @dev After it the payer's authorization can no longer be collected.
        uint48 preApprovalExpiry;
        /// @dev From it captures fail and the payer may reclaim.
        uint48 authorizationExpiry;
        /// @dev From it refunds fail.
        uint48 refundExpiry;
        uint16 minFeeBps;
        uint16 maxFeeBps;
        /// @dev Zero lets the operator choose the fee receiver at capture; otherwise it is fixed.
        address feeReceiver;
        /// @dev Entropy that keeps otherwise equal payments apart.
        uint256 salt;
    }

    struct PaymentState {
        /// @dev True once authorized or charged: a PaymentInfo can be collected only once.
        bool hasCollectedPayment;
        /// @dev Held in escrow: may still be captured, voided or reclaimed.
        uint120 capturableAmount;
        /// @dev Captured and not yet refunded.
        uint120 refundableAmount;
    }

    bytes32 public constant PAYMENT_INFO_TYPEHASH = keccak256(
        "PaymentInfo(address operator,address payer,address receiver,address token,uint120 maxAmount,uint48 preApprovalExpiry,uint48 authorizationExpiry,uint48 refundExpiry,uint16 minFeeBps,uint16 maxFeeBps,address feeReceiver,uint256 salt)"
    );

    uint16 internal constant _MAX_FEE_BPS = 10_000;

    /// @dev keccak256 of TokenStore's creation code, for CREATE2 address prediction.
    bytes32 private immutable _tokenStoreCodeHash;

    mapping(bytes32 paymentInfoHash => PaymentState state) public paymentState;

    /// @dev Transient: cleared at the end of every transaction, nothing to initialise.
    bool private transient _entered;

    event PaymentCharged(
        bytes32 indexed paymentInfoHash,
        PaymentInfo paymentInfo,
        uint256 amount,
        address tokenCollector,
        uint256 feeAmount,
        address feeReceiver
    );
    event PaymentAuthorized(
        bytes32 indexed paymentInfoHash, PaymentInfo paymentInfo, uint256 amount, address tokenCollector
    );
    event PaymentCaptured(bytes32 indexed paymentInfoHash, uint256 amount, uint256 feeAmount, address feeReceiver);
    event PaymentVoided(bytes32 indexed paymentInfoHash, uint256 amount);
    event PaymentReclaimed(bytes32 indexed paymentInfoHash, uint256 amount);
    event PaymentRefunded(bytes32 indexed paymentInfoHash, uint256 amount, address tokenCollector);
    event TokenStoreCreated(address indexed operator, address tokenStore);

    error InvalidSender(address sender, address expected);
    error ZeroAmount();
    error AmountOverflow(uint256 amount, uint256 limit);
    error ExceedsMaxAmount(uint256 amount, uint256 maxAmount);
    error AfterPreApprovalExpiry(uint48 timestamp, uint48 expiry);
    error InvalidExpiries(uint48 preApproval, uint48 authorization, uint48 refund);
    error FeeBpsOverflow(uint16 feeBps);
    error InvalidFeeBpsRange(uint16 minFeeBps, uint16 maxFeeBps);
    error FeeAmountOutOfRange(uint256 feeAmount, uint256 minFeeAmount, uint256 maxFeeAmount);
    error ZeroFeeReceiver();
    error InvalidFeeReceiver(address attempted, address expected);
    error InvalidCollectorForOperation();
    error TokenCollectionFailed();
    error PaymentAlreadyCollected(bytes32 paymentInfoHash);
    error AfterAuthorizationExpiry(uint48 timestamp, uint48 expiry);
    error InsufficientAuthorization(bytes32 paymentInfoHash, uint256 authorizedAmount, uint256 requestedAmount);
    error ZeroAuthorization(bytes32 paymentInfoHash);
    error BeforeAuthorizationExpiry(uint48 timestamp, uint48 expiry);
    error AfterRefundExpiry(uint48 timestamp, uint48 expiry);
    error RefundExceedsCapture(uint256 refund, uint256 captured);
    error Reentrancy();

    modifier nonReentrant() {
        if (_entered) revert Reentrancy();
        _entered = true;
        _;
        _entered = false;
    }

    modifier onlySender(address sender) {
        if (msg.sender != sender) revert InvalidSender(msg.sender, sender);
        _;
    }

    modifier validAmount(uint256 amount) {
        if (amount == 0) revert ZeroAmount();
        if (amount > type(uint120).max) revert AmountOverflow(amount, type(uint120).max);
        _;
    }

    constructor() {
        _tokenStoreCodeHash = keccak256(type(TokenStore).creationCode);
    }

    /// @notice Collects `amount` from the payer and pays it out at once (no hold).
    function charge(
        PaymentInfo calldata paymentInfo,
        uint256 amount,
        address tokenCollector,
        bytes calldata collectorData,
        uint256 feeAmount,
        address feeReceiver
    ) external nonReentrant onlySender(paymentInfo.operator) validAmount(amount) {
        _validatePayment(paymentInfo, amount);
        _validateFee(paymentInfo, amount, feeAmount, feeReceiver);
        bytes32 paymentInfoHash = getHash(paymentInfo);
        if (paymentState[paymentInfoHash].hasCollectedPayment) revert PaymentAlreadyCollected(paymentInfoHash);

        paymentState[paymentInfoHash] =
            PaymentState({hasCollectedPayment: true, capturableAmount: 0, refundableAmount: uint120(amount)});
        emit PaymentCharged(paymentInfoHash, paymentInfo, amount, tokenCollector, feeAmount, feeReceiver);

        _collectTokens(paymentInfo, amount, tokenCollector, collectorData, ITokenCollector.CollectorType.Payment);
        _distributeTokens(paymentInfo, amount, feeAmount, feeReceiver);
    }

    /// @notice Collects `amount` from the payer into escrow (the hold).
    function authorize(
        PaymentInfo calldata paymentInfo,
        uint256 amount,
        address tokenCollector,
        bytes calldata collectorData
    ) external nonReentrant onlySender(paymentInfo.operator) validAmount(amount) {
        _validatePayment(paymentInfo, amount);
        bytes32 paymentInfoHash = getHash(paymentInfo);
        if (paymentState[paymentInfoHash].hasCollectedPayment) revert PaymentAlreadyCollected(paymentInfoHash);

        paymentState[paymentInfoHash] =
            PaymentState({hasCollectedPayment: true, capturableAmount: uint120(amount), refundableAmount: 0});
        emit PaymentAuthorized(paymentInfoHash, paymentInfo, amount, tokenCollector);

        _collectTokens(paymentInfo, amount, tokenCollector, collectorData, ITokenCollector.CollectorType.Payment);
    }

    /// @notice Pays `amount` of the hold out: `feeAmount` to the fee receiver, the rest to the receiver.
    ///         Repeatable up to the hold, before `authorizationExpiry`.
    function capture(PaymentInfo calldata paymentInfo, uint256 amount, uint256 feeAmount, address feeReceiver)
        external
        nonReentrant
        onlySender(paymentInfo.operator)
        validAmount(amount)
    {
        _validateFee(paymentInfo, amount, feeAmount, feeReceiver);
        if (block.timestamp >= paymentInfo.authorizationExpiry) {
            revert AfterAuthorizationExpiry(uint48(block.timestamp), paymentInfo.authorizationExpiry);
        }
        bytes32 paymentInfoHash = getHash(paymentInfo);
        PaymentState memory state = paymentState[paymentInfoHash];
        if (state.capturableAmount < amount) {
            revert InsufficientAuthorization(paymentInfoHash, state.capturableAmount, amount);
        }

        state.capturableAmount -= uint120(amount);
        state.refundableAmount += uint120(amount);
        paymentState[paymentInfoHash] = state;
        emit PaymentCaptured(paymentInfoHash, amount, feeAmount, feeReceiver);

        _distributeTokens(paymentInfo, amount, feeAmount, feeReceiver);
    }

    /// @notice Ends the hold: everything still held goes back to the payer.
    function void(PaymentInfo calldata paymentInfo) external nonReentrant onlySender(paymentInfo.operator) {
        bytes32 paymentInfoHash = getHash(paymentInfo);
        uint256 held = paymentState[paymentInfoHash].capturableAmount;
        if (held == 0) revert ZeroAuthorization(paymentInfoHash);

        paymentState[paymentInfoHash].capturableAmount = 0;
        emit PaymentVoided(paymentInfoHash, held);

        _sendTokens(paymentInfo.operator, paymentInfo.token, paymentInfo.payer, held);
    }

    /// @notice The payer's way out once the operator may no longer capture: takes back what is still held.
    function reclaim(PaymentInfo calldata paymentInfo) external nonReentrant onlySender(paymentInfo.payer) {
        if (block.timestamp < paymentInfo.authorizationExpiry) {
            revert BeforeAuthorizationExpiry(uint48(block.timestamp), paymentInfo.authorizationExpiry);
        }
        bytes32 paymentInfoHash = getHash(paymentInfo);
        uint256 held = paymentState[paymentInfoHash].capturableAmount;
        if (held == 0) revert ZeroAuthorization(paymentInfoHash);

        paymentState[paymentInfoHash].capturableAmount = 0;
        emit PaymentReclaimed(paymentInfoHash, held);

        _sendTokens(paymentInfo.operator, paymentInfo.token, paymentInfo.payer, held);
    }

    /// @notice Returns up to the captured amount to the payer, funded through a refund collector.
    function refund(
        PaymentInfo calldata paymentInfo,
        uint256 amount,
        address tokenCollector,
        bytes calldata collectorData
    ) external nonReentrant onlySender(paymentInfo.operator) validAmount(amount) {
        if (block.timestamp >= paymentInfo.refundExpiry) {
            revert AfterRefundExpiry(uint48(block.timestamp), paymentInfo.refundExpiry);
        }
        bytes32 paymentInfoHash = getHash(paymentInfo);
        uint120 captured = paymentState[paymentInfoHash].refundableAmount;
        if (captured < amount) revert RefundExceedsCapture(amount, captured);

        paymentState[paymentInfoHash].refundableAmount = captured - uint120(amount);
        emit PaymentRefunded(paymentInfoHash, amount, tokenCollector);

        _collectTokens(paymentInfo, amount, tokenCollector, collectorData, ITokenCollector.CollectorType.Refund);
        _sendTokens(paymentInfo.operator, paymentInfo.token, paymentInfo.payer, amount);
    }

    /// @notice The payment's id: bound to this chain and this contract's address.
    function getHash(PaymentInfo calldata paymentInfo) public view returns (bytes32) {
        bytes32 structHash = keccak256(abi.encode(PAYMENT_INFO_TYPEHASH, paymentInfo));
        return keccak256(abi.encode(block.chainid, address(this), structHash));
    }

    /// @notice Where an operator's holds are kept (a CREATE2 contract of this escrow, one per operator).
    function getTokenStore(address operator) public view returns (address) {
        bytes32 digest = keccak256(abi.encodePacked(bytes1(0xff), address(this), _storeSalt(operator), _tokenStoreCodeHash));
        return address(uint160(uint256(digest)));
    }

    // --- internals ---

    function _storeSalt(address operator) private pure returns (bytes32) {
        return bytes32(bytes20(operator));
    }

    function _collectTokens(
        PaymentInfo calldata paymentInfo,
        uint256 amount,
        address tokenCollector,
        bytes calldata collectorData,
        ITokenCollector.CollectorType collectorType
    ) internal {
        if (ITokenCollector(tokenCollector).collectorType() != collectorType) revert InvalidCollectorForOperation();

        // Trust the token store's balance, not the collector: it must grow by exactly `amount`.
        address tokenStore = getTokenStore(paymentInfo.operator);
        uint256 before = IERC20Balance(paymentInfo.token).balanceOf(tokenStore);
        ITokenCollector(tokenCollector).collectTokens(paymentInfo, tokenStore, amount, collectorData);
        if (IERC20Balance(paymentInfo.token).balanceOf(tokenStore) != before + amount) revert TokenCollectionFailed();
    }

    function _sendTokens(address operator, address token, address recipient, uint256 amount) internal {
        address tokenStore = getTokenStore(operator);
        if (tokenStore.code.length == 0) {
            new TokenStore{salt: _storeSalt(operator)}();
            emit TokenStoreCreated(operator, tokenStore);
        }
        TokenStore(tokenStore).sendTokens(token, recipient, amount);
    }

    /// @dev The fee first, then the remainder to the receiver (recovery code relies on this order).
    function _distributeTokens(PaymentInfo calldata paymentInfo, uint256 amount, uint256 feeAmount, address feeReceiver)
        internal
    {
        if (feeAmount > 0) _sendTokens(paymentInfo.operator, paymentInfo.token, feeReceiver, feeAmount);
        if (amount > feeAmount) {
            _sendTokens(paymentInfo.operator, paymentInfo.token, paymentInfo.receiver, amount - feeAmount);
        }
    }

    function _validatePayment(PaymentInfo calldata paymentInfo, uint256 amount) internal view {
        if (amount > paymentInfo.maxAmount) revert ExceedsMaxAmount(amount, paymentInfo.maxAmount);

        uint48 preApprovalExpiry = paymentInfo.preApprovalExpiry;
        uint48 authorizationExpiry = paymentInfo.authorizationExpiry;
        uint48 refundExpiry = paymentInfo.refundExpiry;
        if (block.timestamp >= preApprovalExpiry) {
            revert AfterPreApprovalExpiry(uint48(block.timestamp), preApprovalExpiry);
        }
        if (preApprovalExpiry > authorizationExpiry || authorizationExpiry > refundExpiry) {
            revert InvalidExpiries(preApprovalExpiry, authorizationExpiry, refundExpiry);
        }
        if (paymentInfo.maxFeeBps > _MAX_FEE_BPS) revert FeeBpsOverflow(paymentInfo.maxFeeBps);
        if (paymentInfo.minFeeBps > paymentInfo.maxFeeBps) {
            revert InvalidFeeBpsRange(paymentInfo.minFeeBps, paymentInfo.maxFeeBps);
        }
    }

    /// @dev v1.1 takes an absolute fee: it must lie within the payer-signed bps of this `amount`.
    function _validateFee(PaymentInfo calldata paymentInfo, uint256 amount, uint256 feeAmount, address feeReceiver)
        internal
        pure
    {
        uint256 minFeeAmount = amount * paymentInfo.minFeeBps / _MAX_FEE_BPS;
        uint256 maxFeeAmount = amount * paymentInfo.maxFeeBps / _MAX_FEE_BPS;
        if (feeAmount < minFeeAmount || feeAmount > maxFeeAmount) {
            revert FeeAmountOutOfRange(feeAmount, minFeeAmount, maxFeeAmount);
        }
        if (feeReceiver == address(0) && feeAmount > 0) revert ZeroFeeReceiver();
        address configured = paymentInfo.feeReceiver;
        if (configured != address(0) && configured != feeReceiver) revert InvalidFeeReceiver(feeReceiver, configured);
    }
}

/// @notice Holds one operator's escrowed funds; only the escrow that created it can move them.
contract TokenStore {
    address public immutable authCaptureEscrow;

    error OnlyAuthCaptureEscrow();

    constructor() {
        authCaptureEscrow = msg.sender;
    }

    function sendTokens(address token, address recipient, uint256 amount) external returns (bool) {
        if (msg.sender != authCaptureEscrow) revert OnlyAuthCaptureEscrow();
        SafeTokenTransfer.transfer(token, recipient, amount);
        return true;
    }
}

/// @notice What the escrow needs from a token collector.
interface ITokenCollector {
    enum CollectorType {
        Payment,
        Refund
    }

    function collectorType() external view returns (CollectorType);

    function collectTokens(
        AuthCaptureEscrow.PaymentInfo calldata paymentInfo,
        address tokenStore,
        uint256 amount,
        bytes calldata collectorData
    ) external;
}

interface IERC20Balance {
    function balanceOf(address account) external view returns (uint256);
}

/// @notice ERC-20 transfers that fail loudly: a revert is bubbled up, `false` or no code is an error.
library SafeTokenTransfer {
    error TokenTransferFailed(address token);

    function transfer(address token, address to, uint256 amount) internal {
        _call(token, abi.encodeWithSelector(0xa9059cbb, to, amount));
    }

    function transferFrom(address token, address from, address to, uint256 amount) internal {
        _call(token, abi.encodeWithSelector(0x23b872dd, from, to, amount));
    }

    function _call(address token, bytes memory data) private {
        (bool ok, bytes memory ret) = token.call(data);
        if (!ok) {
            if (ret.length == 0) revert TokenTransferFailed(token);
            assembly ("memory-safe") {
                revert(add(ret, 32), mload(ret))
            }
        }
        if (ret.length == 0 ? token.code.length == 0 : !abi.decode(ret, (bool))) revert TokenTransferFailed(token);
    }
}
