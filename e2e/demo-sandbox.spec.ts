import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "@playwright/test";
import { submitJob } from "./helpers/buyer";

/**
 * The embedded default's demo node runs strangers' paid jobs in the agent's
 * bwrap sandbox: a job cannot read the demo agent's token or config, the
 * database files, or the server's environment. (Needs bubblewrap, as CI has.)
 */
test("a paid job on the demo node cannot read the demo agent's token or the database files", async ({ baseURL }) => {
  const dataDir = process.env.E2E_DATA_DIR!;
  const configPath = join(dataDir, "demo-agent", "agent.json");
  await expect.poll(() => existsSync(configPath), { timeout: 60_000 }).toBe(true);
  const { nodeId, agentToken } = JSON.parse(readFileSync(configPath, "utf8")) as { nodeId: string; agentToken: string };
  const script = `
import os
def attempt(name, fn):
    try:
        fn(); print(name, "READ")
    except OSError:
        print(name, "blocked")
attempt("config", lambda: open(${JSON.stringify(configPath)}).read())
attempt("datadir", lambda: os.listdir(${JSON.stringify(dataDir)}))
environs = []
for pid in [p for p in os.listdir("/proc") if p.isdigit()]:
    try:
        environs.append(open(f"/proc/{pid}/environ", "rb").read().decode("utf8", "replace"))
    except OSError:
        pass
print("processes", len([p for p in os.listdir("/proc") if p.isdigit()]))
print("environ", " ".join(environs))
`;
  const { jobId, accessToken } = await submitJob(baseURL!, {
    nodeId,
    jobType: "python",
    script,
    maxDurationSeconds: 60,
  });
  let seen = "";
  await expect
    .poll(
      async () => {
        const res = await fetch(`${baseURL}/api/x402/jobs/${jobId}`, {
          headers: { authorization: `Bearer ${accessToken}` },
        });
        const job = (await res.json()) as { status: string; output?: string | null; logs: { data: string }[] };
        seen = `${job.output ?? ""}${job.logs.map((l) => l.data).join("")}`;
        return job.status;
      },
      { timeout: 60_000 },
    )
    .toBe("completed");
  expect(seen).toContain("config blocked");
  expect(seen).toContain("datadir blocked");
  expect(Number(/processes (\d+)/.exec(seen)?.[1])).toBeLessThanOrEqual(3);
  expect(seen).not.toContain(agentToken);
  expect(seen).not.toMatch(/DATABASE_URL|RELAYER_PRIVATE_KEY|DATA_DIR=/);
});
