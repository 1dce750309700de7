import { wrapFetchWithPaymentFromConfig } from "@x402/fetch";
import { ExactEvmScheme } from "@x402/evm/exact/client";
import { privateKeyToAccount } from "viem/accounts";

/**
 * A buyer outside the browser: submits jobs through the plain x402 door
 * (POST /api/x402/jobs), paying with the funded demo buyer (anvil #1, a public
 * test key) when the node is not free, as any x402 client would.
 */
export const DEMO_BUYER_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d" as const;

export async function submitJob(
  baseURL: string,
  input: { nodeId: string; script?: string; jobType?: "python" | "shell"; maxDurationSeconds?: number },
): Promise<{ jobId: string; amountUsd: string; accessToken: string }> {
  const pay = wrapFetchWithPaymentFromConfig(fetch, {
    schemes: [{ network: "eip155:*", client: new ExactEvmScheme(privateKeyToAccount(DEMO_BUYER_KEY)) }],
    // The embedded chain's test USDC is not one of the library's known assets.
    spendControls: false,
  });
  const res = await pay(`${baseURL}/api/x402/jobs`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      nodeId: input.nodeId,
      jobType: input.jobType ?? "shell",
      script: input.script ?? "echo e2e",
      maxDurationSeconds: input.maxDurationSeconds ?? 60,
    }),
  });
  const text = await res.text();
  if (res.status !== 201) throw new Error(`x402 job: HTTP ${res.status} ${text}`);
  return JSON.parse(text) as { jobId: string; amountUsd: string; accessToken: string };
}
