import { randomUUID } from "node:crypto";
import { readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { verifyTypedData } from "viem";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  pairRequestSchema,
  registerNodeMessageSchema,
  sellerTypedData,
  signedRegistrationSchema,
} from "@computeswarm/protocol";
import { buildCliBundle, cliEnv, runCli } from "./helpers/cli";
import { FakeMarketplace } from "./helpers/fake-marketplace";
import { tempDir } from "./helpers/temp-dir";

// anvil's first well-known test account: never a real key.
const KEY = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const ADDRESS = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";

const PAIRED_SELLER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
let cli: string;
let market: FakeMarketplace;
let dir: string;
const verified: boolean[] = [];

beforeAll(() => {
  cli = buildCliBundle();
});

beforeEach(async () => {
  verified.length = 0;
  dir = tempDir("cs-register-");
  market = await new FakeMarketplace().start();
  market.handler = async (r) => {
    if (r.path === "/register") {
      const signed = signedRegistrationSchema.parse(r.body);
      const ok = await verifyTypedData({
        address: signed.message.seller as `0x${string}`,
        ...sellerTypedData(
          { chainId: 31337, marketplaceUrl: market.url },
          "RegisterNode",
          registerNodeMessageSchema.parse(signed.message),
        ),
        signature: signed.signature as `0x${string}`,
      });
      verified.push(ok);
      if (!ok) return { status: 401, body: { error: { code: "bad_signature", message: "signature does not match" } } };
      return { status: 201, body: { nodeId: randomUUID(), agentToken: "agent-token-from-register" } };
    }
    if (r.path === "/pair") {
      pairRequestSchema.parse(r.body);
      return {
        status: 201,
        body: { nodeId: randomUUID(), agentToken: "agent-token-from-pair", seller: PAIRED_SELLER },
      };
    }
    return undefined;
  };
});
afterEach(() => market.stop());

async function keyFile(mode = 0o600): Promise<string> {
  const file = path.join(dir, "seller.key");
  await writeFile(file, `0x${KEY}\n`, { mode });
  return file;
}

describe("computeswarm-agent register", () => {
  it("signs the EIP-712 registration with the key file and saves node id and token (0600)", async () => {
    const config = path.join(dir, "conf", "agent.json");
    const run = runCli(
      cli,
      [
        "register",
        "--marketplace",
        market.url,
        "--key-file",
        await keyFile(),
        "--price",
        "1.25",
        "--endpoint",
        "https://gpu.example",
        "--name",
        "lab-h200-1",
        "--config",
        config,
      ],
      cliEnv(),
    );
    expect(await run.exit).toBe(0);
    expect(verified).toEqual([true]);

    const body = signedRegistrationSchema.parse(market.find("/register")[0]!.body);
    const now = Math.floor(Date.now() / 1000);
    expect(body.message).toMatchObject({
      seller: ADDRESS,
      pricePerHour: "1.25",
      endpoint: "https://gpu.example",
      name: "lab-h200-1",
    });
    expect(body.message.gpuInfo).toMatchObject({
      model: "CPU",
      gpuCount: 0,
      vramMiB: 0,
      cpuOnly: true,
      jobTypes: ["python", "shell"],
    });
    expect(body.message.gpuInfo.benchmark?.tflops).toBeNull();
    expect(body.message.gpuInfo.benchmark?.skippedReason).toBeTruthy();
    expect(body.message.expiry).toBeGreaterThan(now + 500);
    expect(body.message.expiry).toBeLessThanOrEqual(now + 601);
    expect(market.paths()).toEqual(["/info", "/register"]);

    expect((await stat(config)).mode & 0o777).toBe(0o600);
    const saved = JSON.parse(await readFile(config, "utf8"));
    expect(saved).toMatchObject({
      marketplace: market.url,
      agentToken: "agent-token-from-register",
      seller: ADDRESS,
      price: "1.25",
    });
    expect(saved.nodeId).toMatch(/^[0-9a-f-]{36}$/);

    const everything = run.stdout() + run.stderr() + (await readFile(config, "utf8"));
    expect(everything).not.toContain(KEY);
    expect(run.events().some((e) => e.msg === "registered" && e.nodeId === saved.nodeId)).toBe(true);
    expect(run.events().every((e) => typeof e.level === "number" && typeof e.time === "number")).toBe(true);
  });

  it("reads marketplace, key and price from COMPUTESWARM_* variables", async () => {
    const config = path.join(dir, "agent.json");
    const run = runCli(
      cli,
      ["register", "--no-benchmark"],
      cliEnv({
        COMPUTESWARM_MARKETPLACE: market.url,
        COMPUTESWARM_PRIVATE_KEY: KEY,
        COMPUTESWARM_PRICE: "0",
        COMPUTESWARM_NAME: "  spare box  ",
        COMPUTESWARM_CONFIG: config,
      }),
    );
    expect(await run.exit).toBe(0);
    expect(verified).toEqual([true]);
    const body = signedRegistrationSchema.parse(market.find("/register")[0]!.body);
    expect(body.message.pricePerHour).toBe("0");
    expect(body.message.name).toBe("spare box");
    expect(body.message.gpuInfo.benchmark?.skippedReason).toMatch(/disabled/);
    expect(run.stdout() + run.stderr()).not.toContain(KEY);
    expect(JSON.parse(await readFile(config, "utf8")).agentToken).toBe("agent-token-from-register");
  });

  it("redeems a pairing code instead of signing, and status then names the seller", async () => {
    const config = path.join(dir, "agent.json");
    const run = runCli(
      cli,
      ["register", "--marketplace", market.url, "--pair", "PAIR-CODE-123", "--no-benchmark", "--config", config],
      cliEnv(),
    );
    expect(await run.exit).toBe(0);
    const body = pairRequestSchema.parse(market.find("/pair")[0]!.body);
    expect(body.code).toBe("PAIR-CODE-123");
    expect(body.name).toBeUndefined();
    expect(body.gpuInfo.cpuOnly).toBe(true);
    expect(market.paths()).toEqual(["/pair"]);
    expect(JSON.parse(await readFile(config, "utf8"))).toMatchObject({
      agentToken: "agent-token-from-pair",
      marketplace: market.url,
      seller: PAIRED_SELLER,
    });
    const status = runCli(cli, ["status", "--config", config], cliEnv());
    expect(await status.exit).toBe(0);
    expect(JSON.parse(status.stdout())).toMatchObject({ registered: true, seller: PAIRED_SELLER });
  });

  it("refuses unclear or incomplete requests with exit code 2 and a message", async () => {
    const env = cliEnv();
    const cases: Array<[string[], RegExp]> = [
      [["register", "--marketplace", market.url, "--price", "1"], /--key-file .*COMPUTESWARM_PRIVATE_KEY.*--pair/],
      [
        ["register", "--marketplace", market.url, "--key-file", await keyFile(), "--pair", "ABCDEF12", "--price", "1"],
        /not both/,
      ],
      [["register", "--marketplace", market.url, "--key-file", await keyFile()], /--price/],
      [["register", "--key-file", await keyFile(), "--price", "1"], /--marketplace/],
      [["register", "--marketplace", market.url, "--key-file", await keyFile(), "--price", "-3"], /--price/],
    ];
    for (const [args, message] of cases) {
      const run = runCli(cli, args, env);
      expect(await run.exit, args.join(" ")).toBe(2);
      expect(run.stderr()).toMatch(message);
    }
    expect(market.paths()).toEqual([]);
  });

  it("does not echo a malformed key", async () => {
    const file = path.join(dir, "bad.key");
    await writeFile(file, "not-a-key-but-secret-looking-1234\n", { mode: 0o600 });
    const run = runCli(cli, ["register", "--marketplace", market.url, "--key-file", file, "--price", "1"], cliEnv());
    expect(await run.exit).toBe(2);
    expect(run.stderr()).toMatch(/64 hex digits/);
    expect(run.stderr()).not.toContain("secret-looking");
  });

  it("reports the marketplace's error and writes no config", async () => {
    market.handler = (r) =>
      r.path === "/register"
        ? { status: 400, body: { error: { code: "expired", message: "registration expired" } } }
        : undefined;
    const config = path.join(dir, "agent.json");
    const run = runCli(
      cli,
      [
        "register",
        "--marketplace",
        market.url,
        "--key-file",
        await keyFile(),
        "--price",
        "1",
        "--no-benchmark",
        "--config",
        config,
      ],
      cliEnv(),
    );
    expect(await run.exit).toBe(1);
    expect(run.stderr()).toMatch(/400 expired: registration expired/);
    await expect(stat(config)).rejects.toThrow();
  });
});
