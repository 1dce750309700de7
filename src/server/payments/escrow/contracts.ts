/**
 * The commerce-payments auth-capture contracts, as the x402 `auth-capture` scheme uses them:
 * the one deployment we pay through (addresses) and the ABIs of its escrow and token
 * collectors, written from the v1.1 interface (capture and charge take an absolute
 * `feeAmount`, not v1.0's `feeBps`).
 *
 * The addresses are the v1.1 CREATE2 set: the same on Base and Base Sepolia, and the set
 * @x402/evm's `AuthCaptureEvmScheme` signs for when requirements carry no
 * `extra.authCaptureEscrow` (pinned against the installed client in contracts.test.ts).
 * On the local chain our own contracts (contracts/AuthCaptureEscrow.sol,
 * contracts/ERC3009PaymentCollector.sol) are installed at these same addresses by
 * setupLocalChain, so a stock client's signature verifies there too.
 */
import { parseAbi, type Address } from "viem";

export const AUTH_CAPTURE_DEPLOYMENT = {
  version: "v1.1",
  escrow: "0xf96815976523E00e65Be8f34cA5e64b4f41EB19c",
  /** Pulls with ERC-3009 `receiveWithAuthorization`; the address the client's authorization names as `to`. */
  eip3009Collector: "0x8612dfdc421f80336cd14E8EF9cb1E765dB5ab88",
  /** Pulls with Permit2 (not installed on the local chain: we only take EIP-3009 USDC). */
  permit2Collector: "0xD69831Aed5bfe262067ec4c751f4F830EcdD446e",
  /** Pulls refund liquidity from `paymentInfo.operator` (an ERC-20 allowance the operator gave it). */
  operatorRefundCollector: "0x7a03443724d14798c4AB4622F1DAAcA761Fea486",
} as const satisfies { version: string } & Record<
  "escrow" | "eip3009Collector" | "permit2Collector" | "operatorRefundCollector",
  Address
>;

export type AuthCaptureDeployment = typeof AUTH_CAPTURE_DEPLOYMENT;

/** Escrow fees are basis points of each captured amount; 10,000 bps = everything. */
export const MAX_FEE_BPS = 10_000;

/** `TokenCollector.CollectorType`: which operations a collector may fund. */
export const COLLECTOR_TYPE = { payment: 0, refund: 1 } as const;

const PAYMENT_INFO_STRUCT =
  "struct PaymentInfo { address operator; address payer; address receiver; address token; uint120 maxAmount; uint48 preApprovalExpiry; uint48 authorizationExpiry; uint48 refundExpiry; uint16 minFeeBps; uint16 maxFeeBps; address feeReceiver; uint256 salt; }";

/** `AuthCaptureEscrow` v1.1: functions, events and custom errors (viem decodes reverts with these). */
export const authCaptureEscrowAbi = parseAbi([
  PAYMENT_INFO_STRUCT,
  "function PAYMENT_INFO_TYPEHASH() view returns (bytes32)",
  "function getHash(PaymentInfo paymentInfo) view returns (bytes32)",
  "function getTokenStore(address operator) view returns (address)",
  "function paymentState(bytes32 paymentInfoHash) view returns (bool hasCollectedPayment, uint120 capturableAmount, uint120 refundableAmount)",
  "function authorize(PaymentInfo paymentInfo, uint256 amount, address tokenCollector, bytes collectorData)",
  "function charge(PaymentInfo paymentInfo, uint256 amount, address tokenCollector, bytes collectorData, uint256 feeAmount, address feeReceiver)",
  "function capture(PaymentInfo paymentInfo, uint256 amount, uint256 feeAmount, address feeReceiver)",
  "function void(PaymentInfo paymentInfo)",
  "function reclaim(PaymentInfo paymentInfo)",
  "function refund(PaymentInfo paymentInfo, uint256 amount, address tokenCollector, bytes collectorData)",
  "event PaymentCharged(bytes32 indexed paymentInfoHash, PaymentInfo paymentInfo, uint256 amount, address tokenCollector, uint256 feeAmount, address feeReceiver)",
  "event PaymentAuthorized(bytes32 indexed paymentInfoHash, PaymentInfo paymentInfo, uint256 amount, address tokenCollector)",
  "event PaymentCaptured(bytes32 indexed paymentInfoHash, uint256 amount, uint256 feeAmount, address feeReceiver)",
  "event PaymentVoided(bytes32 indexed paymentInfoHash, uint256 amount)",
  "event PaymentReclaimed(bytes32 indexed paymentInfoHash, uint256 amount)",
  "event PaymentRefunded(bytes32 indexed paymentInfoHash, uint256 amount, address tokenCollector)",
  "event TokenStoreCreated(address indexed operator, address tokenStore)",
  "error InvalidSender(address sender, address expected)",
  "error ZeroAmount()",
  "error AmountOverflow(uint256 amount, uint256 limit)",
  "error ExceedsMaxAmount(uint256 amount, uint256 maxAmount)",
  "error AfterPreApprovalExpiry(uint48 timestamp, uint48 expiry)",
  "error InvalidExpiries(uint48 preApproval, uint48 authorization, uint48 refund)",
  "error FeeBpsOverflow(uint16 feeBps)",
  "error InvalidFeeBpsRange(uint16 minFeeBps, uint16 maxFeeBps)",
  "error FeeAmountOutOfRange(uint256 feeAmount, uint256 minFeeAmount, uint256 maxFeeAmount)",
  "error ZeroFeeReceiver()",
  "error InvalidFeeReceiver(address attempted, address expected)",
  "error InvalidCollectorForOperation()",
  "error TokenCollectionFailed()",
  "error PaymentAlreadyCollected(bytes32 paymentInfoHash)",
  "error AfterAuthorizationExpiry(uint48 timestamp, uint48 expiry)",
  "error InsufficientAuthorization(bytes32 paymentInfoHash, uint256 authorizedAmount, uint256 requestedAmount)",
  "error ZeroAuthorization(bytes32 paymentInfoHash)",
  "error BeforeAuthorizationExpiry(uint48 timestamp, uint48 expiry)",
  "error AfterRefundExpiry(uint48 timestamp, uint48 expiry)",
  "error RefundExceedsCapture(uint256 refund, uint256 captured)",
  "error Reentrancy()",
]);

/** A token collector (`ERC3009PaymentCollector`, `OperatorRefundCollector`): only the escrow may call `collectTokens`. */
export const tokenCollectorAbi = parseAbi([
  PAYMENT_INFO_STRUCT,
  "function authCaptureEscrow() view returns (address)",
  "function collectorType() view returns (uint8)",
  "function collectTokens(PaymentInfo paymentInfo, address tokenStore, uint256 amount, bytes collectorData)",
  "error OnlyAuthCaptureEscrow()",
]);

/** `ERC3009PaymentCollector`: a token collector that also unwraps ERC-6492 signatures through Multicall3. */
export const erc3009PaymentCollectorAbi = parseAbi([
  PAYMENT_INFO_STRUCT,
  "function authCaptureEscrow() view returns (address)",
  "function collectorType() view returns (uint8)",
  "function multicall3() view returns (address)",
  "function collectTokens(PaymentInfo paymentInfo, address tokenStore, uint256 amount, bytes collectorData)",
  "error OnlyAuthCaptureEscrow()",
]);

/** The ERC-20 event every escrow movement also emits on the token (recovery checks these amounts). */
export const erc20TransferEventAbi = parseAbi([
  "event Transfer(address indexed from, address indexed to, uint256 value)",
]);
