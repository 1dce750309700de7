import { describe, expect, it } from "vitest";
import { encodePaymentSignatureHeader } from "@x402/core/http";
import type { PaymentPayload } from "@x402/core/types";
import { parseAuthCapturePayment, parseExactPayment, schemeOf } from "./payload";

const hex = (bytes: number, digit = "a") => `0x${digit.repeat(bytes * 2)}`;
const exact = {
  x402Version: 2,
  resource: { url: "http://127.0.0.1/api/x402/jobs" },
  accepted: {
    scheme: "exact",
    network: "eip155:31337",
    asset: hex(20, "1"),
    amount: "1000",
    payTo: hex(20, "2"),
    maxTimeoutSeconds: 60,
  },
  payload: {
    authorization: {
      from: hex(20, "3"),
      to: hex(20, "2"),
      value: "1000",
      validAfter: "0",
      validBefore: "2000000000",
      nonce: hex(32, "B"),
    },
    signature: hex(65, "c"),
  },
};
const header = (value: unknown) => encodePaymentSignatureHeader(value as PaymentPayload);
const reasonOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as { reason?: string }).reason;
  }
  return "accepted";
};

describe("reading a PAYMENT-SIGNATURE", () => {
  it("takes the header (base64 JSON, surrounding spaces ignored) or the object alike", () => {
    const fromHeader = parseExactPayment(` ${header(exact)} `);
    expect(fromHeader).toMatchObject({ value: 1000n, validBefore: 2000000000n, nonce: hex(32, "b") });
    expect(fromHeader.payload.accepted.extra).toEqual({});
    expect(parseExactPayment(exact)).toEqual(fromHeader);
    expect(schemeOf(header(exact))).toBe("exact");
  });

  it("refuses what is not an x402 v2 payment with the same reasons as before", () => {
    expect(reasonOf(() => parseExactPayment(""))).toBe("invalid_payload");
    expect(reasonOf(() => parseExactPayment("%%% not base64 %%%"))).toBe("invalid_payload");
    expect(reasonOf(() => parseExactPayment(Buffer.from("not json").toString("base64")))).toBe("invalid_payload");
    expect(reasonOf(() => parseExactPayment("A".repeat(16_388)))).toBe("invalid_payload");
    expect(reasonOf(() => parseExactPayment(header([1, 2])))).toBe("invalid_payload");
    expect(reasonOf(() => parseExactPayment(header({ ...exact, x402Version: 1 })))).toBe("unsupported_version");
    expect(reasonOf(() => parseExactPayment({ ...exact, payload: { signature: "0x00" } }))).toBe("invalid_payload");
    const upto = { ...exact, accepted: { ...exact.accepted, scheme: "upto" }, payload: {} };
    expect(reasonOf(() => parseExactPayment(upto))).toBe("unsupported_scheme");
  });

  it("checks the envelope with x402's own schema (e.g. a CAIP-2 network)", () => {
    const bad = { ...exact, accepted: { ...exact.accepted, network: "base" } };
    expect(reasonOf(() => parseExactPayment(bad))).toBe("invalid_payload");
  });

  it("auth-capture: needs a 32-byte salt, and refuses Permit2", () => {
    const accepted = { ...exact.accepted, scheme: "auth-capture" };
    const noSalt = { ...exact, accepted };
    expect(reasonOf(() => parseAuthCapturePayment(header(noSalt)))).toBe("invalid_payload");
    const permit2 = { ...exact, accepted, payload: { permit2Authorization: {} } };
    expect(reasonOf(() => parseAuthCapturePayment(permit2))).toBe("unsupported_scheme");
  });
});
