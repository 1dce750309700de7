/**
 * The seller's install path, run literally: the commands the seller page
 * prints (download and check the single-file agent, register with the
 * pairing code, start) run in a shell against the app's real route handlers.
 */
import { execFile, spawn, spawnSync } from "node:child_process";
import { promisify } from "node:util";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signSellerMessage } from "@computeswarm/protocol";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { createTestDeps, type TestDeps } from "@/test/test-deps";
import { callerFor } from "@/test/caller";
import { CHAIN_ID, inMinutes, nonce, siweSignIn, testDeployment } from "@/test/factories";
import { startTestServer } from "@/test/http-server";
import { agentCommands, readAgentBundle } from "./agent-bundle";

const work = mkdtempSync(path.join(tmpdir(), "cs-agent-download-"));
const bundleFile = path.join(work, "built", "cli.js");
const seller = privateKeyToAccount(generatePrivateKey());
let deps: TestDeps;
let server: Awaited<ReturnType<typeof startTestServer>>;

beforeAll(async () => {
  const built = spawnSync(process.execPath, ["agent/scripts/build.mjs", bundleFile], { encoding: "utf8" });
  expect(built.status, built.stderr).toBe(0);
  deps = await createTestDeps({ AGENT_BUNDLE_FILE: bundleFile });
  server = await startTestServer(deps);
  // The marketplace's public URL is where this test server listens.
  deps.env.PUBLIC_URL = server.url;
}, 60_000);
afterAll(async () => {
  await server?.close();
  await deps?.cleanup();
  rmSync(work, { recursive: true, force: true });
});

async function pairingCommands(): Promise<string[]> {
  const host = new URL(server.url).host;
  const { caller, resHeaders } = await callerFor(deps);
  await caller.auth.signIn(await siweSignIn(seller, (await caller.auth.nonce()).nonce, host));
  const api = (await callerFor(deps, { headers: { cookie: resHeaders.get("set-cookie")!.split(";")[0]! } })).caller;
  const message = { seller: seller.address, pricePerHour: "0.90", endpoint: "", nonce: nonce(), expiry: inMinutes(10) };
  const signed = await signSellerMessage(seller, testDeployment(CHAIN_ID, deps.env.PUBLIC_URL), "PairNode", message);
  return (await api.seller.createPairingCode(signed)).commands;
}

// Async: this process also serves the marketplace the commands talk to.
const sh = (command: string, cwd: string) =>
  promisify(execFile)("bash", ["-c", command], { cwd, env: shellEnv(cwd), encoding: "utf8" });

const shellEnv = (home: string) => ({
  NODE_ENV: "production" as const,
  PATH: process.env.PATH,
  HOME: home,
  TMPDIR: home,
  COMPUTESWARM_NVIDIA_SMI: "/nonexistent/nvidia-smi",
});

describe("GET /agent/computeswarm-agent.js", () => {
  it("serves the built agent with its sha256", async () => {
    const res = await fetch(`${server.url}/agent/computeswarm-agent.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/javascript/);
    const body = Buffer.from(await res.arrayBuffer());
    const sha256 = createHash("sha256").update(body).digest("hex");
    expect(res.headers.get("x-content-sha256")).toBe(sha256);
    expect((await readAgentBundle(deps.env))!.sha256).toBe(sha256);
    expect(body.subarray(0, 19).toString()).toBe("#!/usr/bin/env node");
  });

  it("the seller page's commands, typed literally, download, check, register and start a node", async () => {
    const commands = await pairingCommands();
    expect(commands).toHaveLength(3);
    expect(commands[0]).toContain(`${server.url}/agent/computeswarm-agent.js`);
    expect(commands[1]).toMatch(
      /^node computeswarm-agent\.js register --marketplace http:\/\/127\.0\.0\.1:\d+ --pair /,
    );
    expect(commands[2]).toBe("node computeswarm-agent.js start --allow-unsandboxed");

    const home = mkdtempSync(path.join(work, "gpu-machine-"));
    for (const command of commands.slice(0, 2)) await sh(command, home); // rejects on a non-zero exit
    const status = await sh("node computeswarm-agent.js status", home);
    expect(JSON.parse(status.stdout)).toMatchObject({ registered: true, seller: seller.address });
    const node = await deps.prisma.node.findFirstOrThrow({ where: { sellerAddress: seller.address } });
    expect(node.pricePerHour.toString()).toBe("0.9");

    const agent = spawn("bash", ["-c", `exec ${commands[2]}`], { cwd: home, env: shellEnv(home), stdio: "ignore" });
    try {
      const deadline = Date.now() + 20_000;
      let status = "";
      while (Date.now() < deadline && status !== "available") {
        status = (await (await callerFor(deps)).caller.nodes.get({ id: node.id })).status;
        await new Promise((r) => setTimeout(r, 300));
      }
      expect(status).toBe("available");
    } finally {
      agent.kill("SIGTERM");
    }
  });

  it("without a build, the commands are the checkout's npx ones", async () => {
    const { download, commands } = await agentCommands(
      { AGENT_BUNDLE_FILE: path.join(work, "missing.js"), PUBLIC_URL: "https://market.example" },
      ["status"],
    );
    expect(download).toBeNull();
    expect(commands).toEqual(["npx computeswarm-agent status"]);
  });
});
