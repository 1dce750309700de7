import { TRPCError } from "@trpc/server";
import { ZodError } from "zod";
import { AppError } from "../errors";
import { asUnavailable } from "../unavailable";

/** Maps any thrown error to a TRPCError: the one place codes are decided. */
export function toTRPCError(err: unknown): TRPCError {
  if (err instanceof TRPCError) return err;
  if (err instanceof AppError) return new TRPCError({ code: err.code, message: err.message, cause: err });
  if (err instanceof ZodError)
    return new TRPCError({ code: "BAD_REQUEST", message: describeZodError(err), cause: err });
  const unavailable = asUnavailable(err);
  if (unavailable) return toTRPCError(unavailable);
  return new TRPCError({
    code: "INTERNAL_SERVER_ERROR",
    message: "Internal error",
    cause: err instanceof Error ? err : undefined,
  });
}

/** "pricePerHour: must be a non-negative decimal…; gpuInfo.vramMiB: Too small…" */
export function describeZodError(err: ZodError): string {
  return err.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join(".") : "input"}: ${i.message}`)
    .join("; ");
}
