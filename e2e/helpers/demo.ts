import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "./guard";

/** anvil's public test accounts the embedded default offers as demo identities. */
export const DEMO_BUYER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"; // #1: "Demo wallet" (also an admin on loopback)
export const DEMO_SELLER = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"; // #2: "Demo seller", owns the demo node

/** The demo node's id, once the embedded default's demo agent registered it (its config under DATA_DIR). */
export async function demoNodeId(): Promise<string> {
  const configPath = join(process.env.E2E_DATA_DIR!, "demo-agent", "agent.json");
  await expect.poll(() => existsSync(configPath), { timeout: 90_000 }).toBe(true);
  return (JSON.parse(readFileSync(configPath, "utf8")) as { nodeId: string }).nodeId;
}
