/**
 * The README's x402 client snippet, run as written: its text is taken from the
 * README (the code block after the `x402-client-snippet` marker), saved as a
 * file in the checkout and run with tsx against a test marketplace on a real
 * local chain. Whatever the README holds is what this runs.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { privateKeyToAccount } from "viem/accounts";
import { createTestDeps, type TestDeps } from "@/test/test-deps";
import { startTestServer } from "@/test/http-server";
import { startTestChain, type TestChain } from "@/test/chain";
import { onlineNode } from "@/test/market";
import { DEMO_BUYER_PRIVATE_KEY } from "../dev/demo/demo-wallet";
import { readmeX402Snippet } from "@/test/readme-snippet";

const root = process.cwd();

let chain: TestChain;
let deps: TestDeps;
let server: Awaited<ReturnType<typeof startTestServer>>;
// Inside the checkout, so the snippet's imports resolve from its node_modules, as a reader's file would.
mkdirSync(path.join(root, "node_modules", ".cache"), { recursive: true });
const dir = mkdtempSync(path.join(root, "node_modules", ".cache", "readme-snippet-"));

beforeAll(async () => {
  chain = await startTestChain();
  deps = await createTestDeps({ RPC_URL: chain.rpcUrl });
  server = await startTestServer(deps);
  deps.env.PUBLIC_URL = server.url;
}, 60_000);
afterAll(async () => {
  await server?.close();
  await deps?.cleanup();
  await chain?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("README: buying compute with any x402 client", () => {
  it("the snippet, as written, pays for a job with the demo buyer and reads its status", async () => {
    const snippet = readmeX402Snippet();
    // Its defaults are the embedded default's: this chain's test USDC and the demo buyer.
    expect(snippet).toContain(chain.usdc);
    expect(snippet).toContain(DEMO_BUYER_PRIVATE_KEY);
    const buyer = privateKeyToAccount(DEMO_BUYER_PRIVATE_KEY).address;
    await chain.mint(buyer, 5_000_000n);
    const node = await onlineNode(deps, "3.60");

    const file = path.join(dir, "buy.mts");
    writeFileSync(file, snippet);
    const { stdout } = await promisify(execFile)(path.join(root, "node_modules", ".bin", "tsx"), [file], {
      cwd: dir,
      env: {
        NODE_ENV: "production" as const,
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        MARKETPLACE: server.url,
        NODE_ID: node.nodeId,
      },
      encoding: "utf8",
      timeout: 60_000,
    });
    const [created, status] = stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(created).toMatchObject({ jobId: expect.any(String), statusUrl: expect.stringContaining(server.url) });
    expect(status).toMatchObject({ id: created!.jobId, status: "queued" });
    const job = await deps.prisma.job.findUniqueOrThrow({
      where: { id: created!.jobId as string },
      include: { payment: true },
    });
    expect(job.buyerAddress).toBe(buyer);
    expect(job.nodeId).toBe(node.nodeId);
  });
});
