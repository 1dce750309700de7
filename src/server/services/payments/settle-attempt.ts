import type { Hex } from "viem";
import type { PaymentPayload, PaymentRequirements } from "@x402/core/types";
import type { Job, Payment } from "@/generated/prisma/client";
import type { Deps } from "../../deps";
import type { ChainService } from "../../payments/chain-service";
import {
  authorizationUsed,
  chainReachable,
  findAuthorizationUse,
  transferReceipt,
  type ChainTransfer,
} from "../../payments/chain/usdc-reads";
import { FacilitatorUnavailableError } from "../../payments/facilitator/types";
import { isPermanentSettleFailure, reasonFromFacilitator } from "../../payments/reasons";

/**
 * One settlement attempt of a claimed payment, against the chain (settlement.ts
 * claims and records). Before sending, the token is asked whether the authorization
 * was already used; if so, the transfer that used it is found and recorded instead.
 */
export type PaymentWithJob = Payment & { job: Job };

interface SignedPayload {
  paymentPayload: PaymentPayload;
  paymentRequirements: PaymentRequirements;
}

/**
 * The transfer is searched for from a little before the first attempt: someone else
 * (the payer, another relayer) may have used the authorization while the job ran.
 * 50,000 blocks is more than a day on Base (2 s blocks), longer than any job.
 */
const LOOKBACK_BLOCKS = 50_000n;
const searchFrom = (block: bigint) => (block > LOOKBACK_BLOCKS ? block - LOOKBACK_BLOCKS : 0n);
/** The relayer's nonce was taken by another sender of the same account. */
const STALE_NONCE = /nonce (too low|provided for the transaction \(\d+\) is lower)/i;

export type Attempt =
  | { kind: "confirmed"; transfer: ChainTransfer; recovered: boolean }
  | { kind: "retry"; error: string; txHash?: string }
  | { kind: "failed"; error: string };

/** One settlement attempt of a claimed payment, against the chain. Never throws. */
export async function attempt(deps: Deps, chain: ChainService, p: PaymentWithJob): Promise<Attempt> {
  const client = chain.publicClient;
  const usdc = chain.network.usdc.address;
  const from = p.fromAddress as Hex;
  const nonce = p.nonce as Hex;
  try {
    // Where to look for the transfer if this attempt dies after sending: recorded before sending.
    const recordFromBlock = async (): Promise<bigint> => {
      if (p.settleFromBlock !== null) return p.settleFromBlock;
      const head = await client.getBlockNumber({ cacheTime: 0 });
      await deps.prisma.payment.update({ where: { id: p.id }, data: { settleFromBlock: head } });
      return head;
    };
    const [fromBlock, used] = await Promise.all([recordFromBlock(), authorizationUsed(client, usdc, from, nonce)]);
    const findUse = async (): Promise<Attempt> => {
      const known = p.txHash ? await transferReceipt(client, p.txHash as Hex) : null;
      const transfer = known?.success
        ? known
        : await findAuthorizationUse(client, usdc, from, nonce, searchFrom(fromBlock));
      if (transfer) return { kind: "confirmed", transfer, recovered: true };
      return {
        kind: "failed",
        error: "The authorization was cancelled by the payer (used on chain with no transfer to the seller).",
      };
    };

    if (used) return await findUse();
    if (p.validBefore.getTime() <= deps.clock.now().getTime() + 6_000) {
      return { kind: "failed", error: "The payment authorization expired before it could be settled." };
    }

    const signed = p.signedPayload as unknown as SignedPayload;
    let res = await chain.facilitator.settle(signed.paymentPayload, signed.paymentRequirements);
    // Another sender used the relayer's account (its nonce queue has just resynchronised): go again at once.
    if (!res.success && STALE_NONCE.test(res.errorMessage ?? "")) {
      res = await chain.facilitator.settle(signed.paymentPayload, signed.paymentRequirements);
    }
    if (res.success) {
      const transfer =
        (await transferReceipt(client, res.transaction as Hex)) ??
        (await findAuthorizationUse(client, usdc, from, nonce, searchFrom(fromBlock)));
      if (transfer?.success) return { kind: "confirmed", transfer, recovered: false };
      return { kind: "retry", error: `settled in ${res.transaction}, receipt not found yet`, txHash: res.transaction };
    }
    const error = `${res.errorReason ?? "settle_failed"}${res.errorMessage ? `: ${res.errorMessage.slice(0, 300)}` : ""}`;
    const reason = reasonFromFacilitator(res.errorReason);
    if (reason === "nonce_already_used") return await findUse();
    if (reason === "invalid_signature" && !(await chainReachable(client)))
      return { kind: "retry", error: `chain unreachable (${error})` };
    if (reason === "invalid_signature" || isPermanentSettleFailure(res.errorReason)) return { kind: "failed", error };
    return { kind: "retry", error, ...(res.transaction ? { txHash: res.transaction } : {}) };
  } catch (err) {
    const message = err instanceof Error ? err.message.split("\n")[0]! : String(err);
    return { kind: "retry", error: err instanceof FacilitatorUnavailableError ? message : `chain error: ${message}` };
  }
}
