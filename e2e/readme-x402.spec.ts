import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { expect, test } from "./helpers/guard";
import { demoNodeId } from "./helpers/demo";
import { readmeX402Snippet } from "../src/test/readme-snippet";

/**
 * The README's x402 client snippet, as a reader runs it: the code block after the
 * `x402-client-snippet` marker saved as `buy.mts` in the checkout and run with
 * `NODE_ID=<node> npx tsx buy.mts` against the running marketplace (here the e2e
 * server on the embedded default: its defaults are the demo buyer and the local
 * test USDC). The job it buys runs on the demo node and completes.
 */
const root = process.cwd();

test("README: the x402 snippet, run as written, buys a job that runs on the demo node", async ({ baseURL }) => {
  const nodeId = await demoNodeId();
  // In the checkout, so its imports resolve from node_modules as a reader's file would.
  mkdirSync(path.join(root, "node_modules", ".cache"), { recursive: true });
  const dir = mkdtempSync(path.join(root, "node_modules", ".cache", "readme-snippet-e2e-"));
  try {
    writeFileSync(path.join(dir, "buy.mts"), readmeX402Snippet());
    const { stdout } = await promisify(execFile)("npx", ["--no-install", "tsx", "buy.mts"], {
      cwd: dir,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        MARKETPLACE: baseURL,
        NODE_ID: nodeId,
      } as unknown as NodeJS.ProcessEnv,
      encoding: "utf8",
      timeout: 60_000,
    });
    const [created, status] = stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(created).toMatchObject({ jobId: expect.any(String), accessToken: expect.any(String) });
    expect(created!.statusUrl).toBe(`${baseURL}/api/x402/jobs/${created!.jobId as string}`);
    expect(status).toMatchObject({ id: created!.jobId });

    // The demo node runs it: print(6 * 7).
    let output = "";
    await expect
      .poll(
        async () => {
          const res = await fetch(created!.statusUrl as string, {
            headers: { authorization: `Bearer ${created!.accessToken as string}` },
          });
          const job = (await res.json()) as { status: string; output?: string | null };
          output = job.output ?? "";
          return job.status;
        },
        { timeout: 90_000 },
      )
      .toBe("completed");
    expect(output.trim()).toBe("42");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
