import { describe, expect, it } from "vitest";
import { parseEnv } from "../../env";
import { verifySellerSignature } from "./seller-signatures";
import { newSeller, signedRegistration, testDeployment } from "@/test/factories";

const env = parseEnv({ NODE_ENV: "test" });
const clock = { now: () => new Date() };
const deps = { env, clock };

async function verify(reg: Awaited<ReturnType<typeof signedRegistration>>, claimed = reg.message.seller) {
  return verifySellerSignature(deps, "RegisterNode", claimed, reg.message, reg.signature as `0x${string}`);
}

describe("verifySellerSignature", () => {
  it("accepts a valid RegisterNode signature and returns the checksummed signer", async () => {
    const seller = newSeller();
    await expect(verify(await signedRegistration(seller))).resolves.toBe(seller.address);
  });

  it("rejects a signature by someone other than the claimed seller", async () => {
    const reg = await signedRegistration(newSeller());
    await expect(verify(reg, newSeller().address)).rejects.toMatchObject({ reason: "bad_signature" });
  });

  it("rejects a tampered field (price changed after signing)", async () => {
    const reg = await signedRegistration(newSeller());
    await expect(verify({ ...reg, message: { ...reg.message, pricePerHour: "0.01" } })).rejects.toMatchObject({
      reason: "bad_signature",
    });
  });

  it("rejects a tampered GPU description", async () => {
    const reg = await signedRegistration(newSeller());
    const gpuInfo = { ...reg.message.gpuInfo, vramMiB: 999_999 };
    await expect(verify({ ...reg, message: { ...reg.message, gpuInfo } })).rejects.toMatchObject({
      reason: "bad_signature",
    });
  });

  it("rejects a signature for another chain", async () => {
    const reg = await signedRegistration(newSeller(), {}, testDeployment(8453));
    await expect(verify(reg)).rejects.toMatchObject({ reason: "bad_signature" });
  });

  it("rejects an expired message and one that expires too far ahead", async () => {
    const past = await signedRegistration(newSeller(), { expiry: Math.floor(Date.now() / 1000) - 1 });
    await expect(verify(past)).rejects.toMatchObject({ reason: "signature_expired" });
    const far = await signedRegistration(newSeller(), { expiry: Math.floor(Date.now() / 1000) + 86_400 * 30 });
    await expect(verify(far)).rejects.toMatchObject({ reason: "expiry_too_far" });
  });

  it("rejects a malformed signature without throwing anything but an AppError", async () => {
    const reg = await signedRegistration(newSeller());
    await expect(verify({ ...reg, signature: `0x${"00".repeat(65)}` })).rejects.toMatchObject({ code: "UNAUTHORIZED" });
  });
});
