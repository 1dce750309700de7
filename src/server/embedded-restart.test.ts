import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { createDeps, type Deps } from "./deps";
import { parseEnv } from "./env";
import { createLogger } from "./logger";
import { getChain, stopEmbeddedChain } from "./payments/chain-service";
import { mintTestUsdc } from "./dev/chain/local-chain";
import { createSiweNonce, readSession, signIn } from "./services/auth/siwe";
import { siweSignIn } from "@/test/factories";

/**
 * `npm run demo`, stopped and started again over the same DATA_DIR: the embedded
 * chain comes back with its blocks (an old settlement's receipt still resolves,
 * its contracts are not deployed again) and a browser's session is still signed in.
 * Always the embedded path, whatever DATABASE_URL / REDIS_URL the run has.
 */
const dataDir = mkdtempSync(path.join(tmpdir(), "cs-restart-"));
const env = parseEnv({ NODE_ENV: "test", LOG_LEVEL: "silent", DATA_DIR: dataDir, RATE_LIMIT_ENABLED: "false" });

async function start(): Promise<Deps> {
  return createDeps(env, { log: createLogger("silent") });
}

async function stop(deps: Deps): Promise<void> {
  await stopEmbeddedChain();
  await deps.redis.close();
  await deps.db.close();
}

beforeAll(() => stopEmbeddedChain()); // another file's embedded anvil in this worker, if any
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe("restarting the embedded default over the same DATA_DIR", () => {
  it("keeps the chain's transactions and the signed-in sessions", async () => {
    const account = privateKeyToAccount(generatePrivateKey());
    const publicUrl = new URL(env.PUBLIC_URL);

    const first = await start();
    const chain = await getChain(first);
    const hash = await mintTestUsdc(chain.rpcUrl, account.address, 1_234_567n);
    const { sessionId, session } = await signIn(
      first,
      await siweSignIn(account, await createSiweNonce(first), publicUrl.host, publicUrl.origin),
      publicUrl,
    );
    const usdcCode = await chain.publicClient.getCode({ address: chain.network.usdc.address as `0x${string}` });
    const blockBefore = await chain.publicClient.getBlockNumber();
    await stop(first);

    const second = await start();
    try {
      const again = await getChain(second);
      expect(again.rpcUrl).not.toBe(""); // a new anvil process, loaded from DATA_DIR
      const receipt = await again.publicClient.getTransactionReceipt({ hash });
      expect(receipt.status).toBe("success");
      // Nothing was redeployed or re-minted: the chain continues where it stopped.
      expect(await again.publicClient.getCode({ address: again.network.usdc.address as `0x${string}` })).toBe(usdcCode);
      expect(await again.publicClient.getBlockNumber()).toBe(blockBefore);
      expect(await readSession(second, sessionId)).toEqual(session);
    } finally {
      await stop(second);
    }
  });
});
