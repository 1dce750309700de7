import { describe, expect, it } from "vitest";
import { nodeDisplayName } from "./node-name";

describe("nodeDisplayName", () => {
  it("is the seller's name when set", () => {
    expect(nodeDisplayName({ name: "lab-h200-1", gpuModel: "NVIDIA H200" })).toBe("lab-h200-1");
  });
  it("falls back to the GPU model when unset or blank", () => {
    expect(nodeDisplayName({ name: null, gpuModel: "NVIDIA H200" })).toBe("NVIDIA H200");
    expect(nodeDisplayName({ name: "", gpuModel: "NVIDIA H200" })).toBe("NVIDIA H200");
    expect(nodeDisplayName({ name: "   ", gpuModel: "CPU" })).toBe("CPU");
    expect(nodeDisplayName({ gpuModel: "NVIDIA A100" })).toBe("NVIDIA A100");
  });
});
