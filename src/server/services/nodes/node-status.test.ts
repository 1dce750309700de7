import { describe, expect, it } from "vitest";
import { deriveNodeStatus } from "./node-status";

describe("deriveNodeStatus", () => {
  const now = 1_000_000;
  it("is offline without a heartbeat or when the last one is older than the TTL", () => {
    expect(deriveNodeStatus("available", undefined, now, 60)).toBe("offline");
    expect(deriveNodeStatus("busy", now - 60_001, now, 60)).toBe("offline");
  });
  it("is available or busy with a recent heartbeat", () => {
    expect(deriveNodeStatus("available", now - 59_000, now, 60)).toBe("available");
    expect(deriveNodeStatus("busy", now - 1000, now, 60)).toBe("busy");
  });
  it("paused and suspended win over liveness", () => {
    expect(deriveNodeStatus("paused", now, now, 60)).toBe("paused");
    expect(deriveNodeStatus("suspended", undefined, now, 60)).toBe("suspended");
  });
});
