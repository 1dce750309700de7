import { randomBytes } from "node:crypto";
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from "viem/accounts";
import { signSellerMessage, type GpuInfo, type InfoResponse, type RegisterNodeMessage } from "@computeswarm/protocol";

/**
 * A stand-in seller agent for browser tests: registers a node with a signed
 * RegisterNode (as the real agent does), keeps it online with heartbeats, and
 * claims / reports jobs through the agent protocol v1 (plain HTTP).
 */
export const H200: GpuInfo = {
  model: "NVIDIA H200",
  vramMiB: 143771,
  gpuCount: 1,
  driverVersion: "580.159.04",
  cudaVersion: "13.0",
  computeCapability: "9.0",
  benchmark: { tflops: 805, dtype: "bf16" },
  jobTypes: ["python", "shell"],
};

export class FakeAgent {
  nodeId = "";
  token = "";
  private timer: NodeJS.Timeout | undefined;
  private seq = 0;

  constructor(
    readonly baseURL: string,
    readonly seller: PrivateKeyAccount = privateKeyToAccount(generatePrivateKey()),
  ) {}

  private async call<T>(path: string, body: unknown, auth = true): Promise<T> {
    const res = await fetch(`${this.baseURL}/api/agent/v2/${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(auth ? { authorization: `Bearer ${this.token}` } : {}) },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`agent ${path}: HTTP ${res.status} ${text}`);
    return JSON.parse(text) as T;
  }

  async register(opts: { gpuInfo?: GpuInfo; pricePerHour?: string } = {}): Promise<this> {
    const info = (await (await fetch(`${this.baseURL}/api/agent/v2/info`)).json()) as InfoResponse;
    const message: RegisterNodeMessage = {
      seller: this.seller.address,
      gpuInfo: opts.gpuInfo ?? H200,
      pricePerHour: opts.pricePerHour ?? "2.50",
      endpoint: "",
      nonce: randomBytes(12).toString("hex"),
      expiry: Math.floor(Date.now() / 1000) + 600,
    };
    const signed = await signSellerMessage(
      this.seller,
      { chainId: info.chainId, marketplaceUrl: info.marketplaceUrl },
      "RegisterNode",
      message,
    );
    const out = await this.call<{ nodeId: string; agentToken: string }>("register", signed, false);
    this.nodeId = out.nodeId;
    this.token = out.agentToken;
    return this;
  }

  /** Redeems a pairing code from the seller dashboard, as `computeswarm-agent register --pair` does. */
  async pair(code: string, gpuInfo: GpuInfo = H200): Promise<this> {
    const out = await this.call<{ nodeId: string; agentToken: string }>("pair", { code, gpuInfo }, false);
    this.nodeId = out.nodeId;
    this.token = out.agentToken;
    return this;
  }

  heartbeat(gpuUtilization = 12, runningJobId?: string) {
    return this.call<{ status: string }>("heartbeat", {
      gpuUtilization,
      agentVersion: "e2e",
      ...(runningJobId ? { runningJobId } : {}),
    });
  }

  /** Heartbeats every 10 s until stop(). */
  async keepOnline(gpuUtilization = 12): Promise<this> {
    await this.heartbeat(gpuUtilization);
    this.timer = setInterval(() => void this.heartbeat(gpuUtilization).catch(() => {}), 10_000);
    return this;
  }

  stop() {
    clearInterval(this.timer);
  }

  async claim(waitSeconds = 10) {
    const { job } = await this.call<{
      job: { id: string; jobType: string; script: string; maxDurationSeconds: number } | null;
    }>("claim", {
      waitSeconds,
    });
    return job;
  }

  log(jobId: string, data: string, stream: "stdout" | "stderr" = "stdout") {
    return this.call(`jobs/${jobId}/logs`, { seq: this.seq++, stream, data });
  }

  complete(jobId: string, output: string, durationMs = 1234, exitCode = 0, timedOut = false) {
    return this.call(`jobs/${jobId}/complete`, {
      exitCode,
      output,
      durationMs,
      outputTruncated: false,
      timedOut,
    });
  }

  /** The node could not run the job (a node_error, which counts against its reliability). */
  fail(jobId: string, message: string) {
    return this.call(`jobs/${jobId}/fail`, { reason: "node_error", message });
  }
}
