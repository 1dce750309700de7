import { describe, expect, it } from "vitest";
import { decodeRevert } from "./escrow-ops";

/**
 * In the production bundle a revert can arrive as an error built by another
 * copy of viem's classes, so `instanceof` fails: decodeRevert goes by name.
 * (A short balance read as "chain down" made the buyer retry forever.)
 */
class ForeignViemError extends Error {
  constructor(
    name: string,
    message: string,
    readonly cause?: Error,
    readonly data?: { errorName: string; args?: readonly unknown[] },
    readonly reason?: string,
  ) {
    super(message);
    this.name = name;
  }
  walk(fn: (e: unknown) => boolean): unknown {
    if (fn(this)) return this;
    return this.cause instanceof ForeignViemError ? this.cause.walk(fn) : null;
  }
}

describe("decodeRevert", () => {
  it("finds a revert string in an error from another copy of viem", () => {
    const reverted = new ForeignViemError("ContractFunctionRevertedError", "reverted", undefined, {
      errorName: "Error",
      args: ["ERC20: transfer amount exceeds balance"],
    });
    const outer = new ForeignViemError("ContractFunctionExecutionError", "authorize reverted", reverted);
    expect(decodeRevert(outer)).toEqual({ reason: "ERC20: transfer amount exceeds balance", args: [] });
  });

  it("finds a custom error's name and args", () => {
    const reverted = new ForeignViemError("ContractFunctionRevertedError", "reverted", undefined, {
      errorName: "PaymentAlreadyCollected",
      args: ["0xabc"],
    });
    expect(decodeRevert(new ForeignViemError("X", "x", reverted))).toEqual({
      reason: "PaymentAlreadyCollected",
      args: ["0xabc"],
    });
  });

  it("is null for errors that are not reverts (RPC down)", () => {
    expect(decodeRevert(new ForeignViemError("HttpRequestError", "fetch failed"))).toBeNull();
    expect(decodeRevert(new Error("ECONNREFUSED"))).toBeNull();
    expect(decodeRevert("nope")).toBeNull();
  });
});
