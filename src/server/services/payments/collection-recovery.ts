import { getAddress, type Hex } from "viem";
import type { Deps } from "../../deps";
import { fromStoredPaymentInfo } from "../../payments/escrow/payment-info";
import { EscrowRevertError } from "../../payments/escrow/escrow-ops";
import { getChain } from "../../payments/chain-service";
import { getEscrow } from "./escrow";
import { findExactPayment } from "./exact-transfer";
import { markCollected, rollBack } from "./submit";

/**
 * Submissions cut off while their payment was being collected (a crash, an RPC that
 * never answered) leave an `authorizing` row whose job cannot be claimed. Their outcome
 * is read from the chain: collected → the job goes ahead (a resend of the same payment
 * then returns it); never collected and no longer collectable → the rows go (nothing
 * was taken); still collectable → collected now.
 */
export async function recoverCollections(deps: Deps, olderThan: Date): Promise<number> {
  const rows = await deps.prisma.payment.findMany({
    where: { status: "authorizing", createdAt: { lt: olderThan } },
    include: { job: true },
    take: 50,
  });
  let resolved = 0;
  for (const row of rows) {
    try {
      const now = deps.clock.now();
      const signed = row.signedPayload as { paymentPayload: { payload: { signature: Hex } } };
      if (row.scheme === "auth-capture") {
        const { ops } = await getEscrow(deps);
        const info = fromStoredPaymentInfo(row.paymentInfo);
        const state = await ops.readPaymentState(row.paymentInfoHash as Hex);
        if (state.hasCollectedPayment) {
          await markCollected(deps, row.job, row, { status: "held" });
        } else if (info.preApprovalExpiry * 1000 <= now.getTime()) {
          await rollBack(deps, row);
        } else {
          try {
            const tx = await ops.authorize(info, info.maxAmount, signed.paymentPayload.payload.signature);
            await markCollected(deps, row.job, row, { status: "held", authorizeTxHash: tx.txHash });
          } catch (err) {
            if (!(err instanceof EscrowRevertError)) throw err;
            await rollBack(deps, row);
          }
        }
      } else {
        const chain = await getChain(deps);
        const found = await findExactPayment(
          chain.publicClient,
          chain.network.usdc.address,
          {
            from: getAddress(row.fromAddress),
            to: getAddress(row.toAddress),
            value: BigInt(row.amountAtomic.toFixed(0)),
            nonce: row.nonce as Hex,
          },
          row.settleFromBlock ?? undefined,
        );
        if (found && "paid" in found) {
          await markCollected(deps, row.job, row, {
            status: "captured",
            txHash: found.paid.txHash,
            blockNumber: found.paid.blockNumber,
            capturedAtomic: row.amountAtomic,
            returnedAtomic: "0",
            feeAtomic: "0",
            confirmedAt: now,
          });
        } else if (found || row.validBefore.getTime() <= now.getTime()) {
          await rollBack(deps, row);
        } else {
          continue; // unused and still valid: the buyer's resend (or the next pass) collects it
        }
      }
      resolved++;
    } catch (err) {
      deps.log.warn({ err, paymentId: row.id }, "could not resolve a payment cut off while being collected");
    }
  }
  return resolved;
}
