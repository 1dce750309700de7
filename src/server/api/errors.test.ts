import { describe, expect, it } from "vitest";
import { Writable } from "node:stream";
import pino from "pino";
import { z } from "zod";
import { TRPCError } from "@trpc/server";
import { AppError } from "../errors";
import { errorResponse, toPublicError } from "./errors";

/** The one mapping of errors to what clients see (tRPC formatter and plain HTTP routes). */
describe("error mapping", () => {
  it("an unexpected error reaches the client as a request id only; its detail goes to the log", async () => {
    const lines: string[] = [];
    const log = pino(
      { level: "error" },
      new Writable({
        write(chunk, _enc, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    );
    const leak = new Error('Invalid `prisma.node.findMany()` invocation: SELECT "public"."nodes"."id" FROM ...');
    const res = errorResponse(leak, "req-123", log, "test.route");
    expect(res.status).toBe(500);
    const body = await res.text();
    expect(body).not.toMatch(/prisma|SELECT|nodes/);
    expect(JSON.parse(body)).toEqual({
      error: {
        code: "INTERNAL_SERVER_ERROR",
        reason: null,
        message: "Internal error (request id req-123).",
        details: null,
        requestId: "req-123",
      },
    });
    expect(lines.join("")).toMatch(/SELECT .*req-123|req-123.*SELECT/);
  });

  it("AppErrors keep code, reason, details and Retry-After, wrapped in a TRPCError or not", async () => {
    const err = new AppError("TOO_MANY_REQUESTS", "slow down", "rate_limited", { retryAfterSeconds: 7 });
    for (const e of [err, new TRPCError({ code: "INTERNAL_SERVER_ERROR", cause: err })]) {
      expect(toPublicError(e, "r")).toMatchObject({ code: "TOO_MANY_REQUESTS", status: 429, reason: "rate_limited" });
    }
    const res = errorResponse(err, "r");
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("7");
  });

  it("zod errors and PostgreSQL data exceptions are the client's: 400", () => {
    const zod = z.object({ n: z.number() }).safeParse({ n: "x" }).error!;
    expect(toPublicError(zod, "r")).toMatchObject({ status: 400, reason: "invalid_input", message: /^n: / });
    // What the pg driver adapter throws for a NUL byte (22021) or an int4 overflow (22003), seen through Prisma.
    const pg = Object.assign(new Error("invalid byte sequence for encoding UTF8: 0x00 in SELECT ..."), {
      code: "P2010",
      meta: { driverAdapterError: { cause: { originalCode: "22021" } } },
    });
    pg.cause = { originalCode: "22021" };
    const pub = toPublicError(pg, "r");
    expect(pub).toMatchObject({ status: 400, reason: "invalid_input", internal: false });
    expect(pub.message).not.toMatch(/SELECT/);
  });

  it("tRPC's own client errors keep their code", () => {
    const err = new TRPCError({ code: "UNAUTHORIZED", message: "Sign in with your wallet first." });
    expect(toPublicError(err, "r")).toMatchObject({ status: 401, message: "Sign in with your wallet first." });
  });
});
