import type { Payment } from "@/generated/prisma/client";
import type { Deps } from "../../deps";
import { publish } from "../events/bus";

/** Publishes a payment's new state on `job:{id}` (the live job page, every instance). */
export async function announcePayment(
  deps: Pick<Deps, "redis">,
  p: Pick<Payment, "jobId" | "status" | "txHash"> & Partial<Pick<Payment, "capturedAtomic" | "returnedAtomic">>,
): Promise<void> {
  await publish(deps, `job:${p.jobId}`, {
    type: "payment",
    jobId: p.jobId,
    status: p.status,
    txHash: p.txHash,
    capturedAtomic: p.capturedAtomic?.toFixed(0) ?? null,
    returnedAtomic: p.returnedAtomic?.toFixed(0) ?? null,
    at: new Date().toISOString(),
  });
}
