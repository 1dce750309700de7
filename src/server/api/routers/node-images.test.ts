import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { createTestDeps, type TestDeps } from "@/test/test-deps";
import { callerFor } from "@/test/caller";
import { agentHttp, registerOverHttp } from "@/test/agent-http";
import { newSeller, signedRegistration, siweSignIn } from "@/test/factories";

/**
 * Buyers choose the image: a node's agent advertises its allowed images in
 * its heartbeat (a backwards-compatible v1 addition), discovery filters by
 * image, a job names one (default: the node's first), the claim carries it.
 */
let deps: TestDeps;
const buyer = privateKeyToAccount(generatePrivateKey());
let buyerCookie: string;
const PYTORCH = `pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime@sha256:${"a".repeat(64)}`;
const JAX = `ghcr.io/nvidia/jax:0.4.35@sha256:${"b".repeat(64)}`;

beforeAll(async () => {
  deps = await createTestDeps();
  const { caller, resHeaders } = await callerFor(deps);
  const { nonce } = await caller.auth.nonce();
  await caller.auth.signIn(await siweSignIn(buyer, nonce));
  buyerCookie = resHeaders.get("set-cookie")!.split(";")[0]!;
});
afterAll(() => deps?.cleanup());
beforeEach(async () => {
  await deps.prisma.job.deleteMany();
  await deps.prisma.node.deleteMany();
});

const asBuyer = async () => (await callerFor(deps, { headers: { cookie: buyerCookie } })).caller;
const asAgent = async (token: string) => agentHttp(deps, token);

async function node(images?: string[]) {
  const reg = await registerOverHttp(deps, await signedRegistration(newSeller(), { pricePerHour: "0" }));
  const agent = (await asAgent(reg.agentToken)).agent;
  await agent.heartbeat(images === undefined ? {} : { images });
  return { nodeId: reg.nodeId, agent };
}

const job = (nodeId: string, image?: string) => ({
  nodeId,
  jobType: "python" as const,
  script: "print(1)",
  maxDurationSeconds: 60,
  ...(image ? { image } : {}),
});

describe("node images", () => {
  it("a node advertises its images; the node page and discovery show them and filter by one", async () => {
    const gpuNode = await node([PYTORCH, JAX]);
    const plain = await node();
    const api = await asBuyer();
    expect((await api.nodes.get({ id: gpuNode.nodeId })).images).toEqual([PYTORCH, JAX]);
    expect((await api.nodes.get({ id: plain.nodeId })).images).toEqual([]);
    const withJax = await api.nodes.list({ image: JAX });
    expect(withJax.items.map((n) => n.id)).toEqual([gpuNode.nodeId]);
    expect((await api.nodes.list({})).items).toHaveLength(2);
    await expect(api.nodes.list({ image: "pytorch/pytorch:latest" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("a changed allowlist replaces the advertised images; a heartbeat without images leaves them", async () => {
    const n = await node([PYTORCH]);
    await n.agent.heartbeat({ images: [JAX] });
    await n.agent.heartbeat({});
    expect((await deps.prisma.node.findUniqueOrThrow({ where: { id: n.nodeId } })).images).toEqual([JAX]);
  });

  it("a job names an offered image, or gets the node's first; the claim carries it", async () => {
    const n = await node([PYTORCH, JAX]);
    const api = await asBuyer();
    const chosen = await api.jobs.submit(job(n.nodeId, JAX));
    expect(chosen.image).toBe(JAX);
    const defaulted = await api.jobs.submit(job(n.nodeId));
    expect(defaulted.image).toBe(PYTORCH);
    expect((await n.agent.claim({ waitSeconds: 0 })).job).toMatchObject({ id: chosen.id, image: JAX });
  });

  it("refuses an image the node does not offer, and any image on a node without images, writing nothing", async () => {
    const n = await node([PYTORCH]);
    const plain = await node();
    const api = await asBuyer();
    await expect(api.jobs.submit(job(n.nodeId, JAX))).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringMatching(/does not offer the image/),
    });
    await expect(api.jobs.submit(job(plain.nodeId, PYTORCH))).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(api.jobs.submit(job(n.nodeId, "not an image"))).rejects.toMatchObject({ code: "BAD_REQUEST" });
    expect(await deps.prisma.job.count()).toBe(0);
  });

  it("an old agent (no images) keeps working on script jobs: the claim has no image field", async () => {
    const old = await node();
    const submitted = await (await asBuyer()).jobs.submit(job(old.nodeId));
    expect(submitted.image).toBeNull();
    const { job: claimed } = await old.agent.claim({ waitSeconds: 0 });
    expect(claimed).toMatchObject({ id: submitted.id });
    expect(claimed).not.toHaveProperty("image");
  });
});

describe("job output that is not plain text", () => {
  it("stores NUL and invalid UTF-8 exactly and shows them as text; a raw NUL in text is a 400 that writes nothing", async () => {
    const n = await node();
    const api = await asBuyer();
    const raw = Buffer.from([0x6f, 0x6b, 0x00, 0xff, 0x0a]);
    const first = await api.jobs.submit(job(n.nodeId));
    await n.agent.claim({ waitSeconds: 0 });
    await n.agent.complete({
      jobId: first.id,
      exitCode: 0,
      output: "",
      outputBase64: raw.toString("base64"),
      durationMs: 5,
    });
    const done = await api.jobs.get({ id: first.id });
    expect(done.status).toBe("completed");
    expect(done.output).toBe("ok\u2400\ufffd\n");
    expect(Buffer.from(done.outputBase64!, "base64")).toEqual(raw);

    const second = await api.jobs.submit(job(n.nodeId));
    await n.agent.claim({ waitSeconds: 0 });
    // Our agent never sends a raw NUL (it sends the bytes as base64); text with one is refused, nothing written.
    await expect(
      n.agent.complete({ jobId: second.id, exitCode: 0, output: "a\u0000b", durationMs: 5 }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    expect((await deps.prisma.job.findUniqueOrThrow({ where: { id: second.id } })).status).toBe("running");
  });

  it("refuses output bytes that are not base64 (400), writing nothing", async () => {
    const n = await node();
    const submitted = await (await asBuyer()).jobs.submit(job(n.nodeId));
    await n.agent.claim({ waitSeconds: 0 });
    await expect(
      n.agent.complete({ jobId: submitted.id, exitCode: 0, output: "", outputBase64: "not base64!", durationMs: 5 }),
    ).rejects.toMatchObject({ code: "BAD_REQUEST" });
    expect((await deps.prisma.job.findUniqueOrThrow({ where: { id: submitted.id } })).status).toBe("running");
  });
});
