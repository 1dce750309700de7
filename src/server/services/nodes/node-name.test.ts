import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { AGENT_API_PREFIX, canonicalJson, sellerTypedData } from "@computeswarm/protocol";
import type { PrivateKeyAccount } from "viem/accounts";
import { createTestDeps, type TestDeps } from "@/test/test-deps";
import { callerFor } from "@/test/caller";
import { signedInCaller } from "@/test/market";
import { h200, inMinutes, newSeller, nonce, signedRegistration, signedUpdate, TEST_DEPLOYMENT } from "@/test/factories";
import { startTestServer } from "@/test/http-server";
import { registerOverHttp } from "@/test/agent-http";

/** A node's seller-set name, through registration, pairing and signed update, on a real database. */
let deps: TestDeps;

beforeAll(async () => {
  deps = await createTestDeps({ PUBLIC_URL: "http://localhost:3000", AGENT_BUNDLE_FILE: "/nonexistent/cli.js" });
});
afterAll(() => deps?.cleanup());
beforeEach(async () => {
  await deps.prisma.job.deleteMany();
  await deps.prisma.node.deleteMany();
  await deps.resetRedis();
});

const nameOf = async (nodeId: string) => (await deps.prisma.node.findUniqueOrThrow({ where: { id: nodeId } })).name;

async function signedPairing(account: PrivateKeyAccount, name?: string) {
  const message = {
    seller: account.address,
    pricePerHour: "1.25",
    endpoint: "",
    ...(name === undefined ? {} : { name }),
    nonce: nonce(),
    expiry: inMinutes(10),
  };
  const signature = await account.signTypedData(sellerTypedData(TEST_DEPLOYMENT, "PairNode", message));
  return { message, signature };
}

describe("node names", () => {
  it("registration stores a signed name; without one (older agents) the node is unnamed", async () => {
    const { caller } = await callerFor(deps);
    const named = await registerOverHttp(deps, await signedRegistration(newSeller(), { name: "lab-h200-1" }));
    expect(await nameOf(named.nodeId)).toBe("lab-h200-1");
    expect((await caller.nodes.get({ id: named.nodeId })).name).toBe("lab-h200-1");

    const unnamed = await registerOverHttp(deps, await signedRegistration(newSeller()));
    expect(await nameOf(unnamed.nodeId)).toBeNull();
    expect((await caller.nodes.get({ id: unnamed.nodeId })).name).toBeNull();
  });

  it("an agent from before names signs RegisterNode exactly as it always did, and is accepted", async () => {
    // The RegisterNode type as agents before 0.3 ship it: no name field anywhere.
    const oldTypes = {
      RegisterNode: [
        { name: "seller", type: "address" },
        { name: "gpuInfo", type: "string" },
        { name: "pricePerHour", type: "string" },
        { name: "endpoint", type: "string" },
        { name: "nonce", type: "string" },
        { name: "expiry", type: "uint256" },
      ],
    } as const;
    const seller = newSeller();
    const message = {
      seller: seller.address,
      gpuInfo: h200,
      pricePerHour: "1.5",
      endpoint: "",
      nonce: nonce(),
      expiry: inMinutes(10),
    };
    const signature = await seller.signTypedData({
      domain: sellerTypedData(TEST_DEPLOYMENT, "RegisterNode", message).domain,
      types: oldTypes,
      primaryType: "RegisterNode",
      message: { ...message, gpuInfo: canonicalJson(h200), expiry: BigInt(message.expiry) },
    });
    const { nodeId } = await registerOverHttp(deps, { message, signature });
    expect(await nameOf(nodeId)).toBeNull();
  });

  it("the name is part of the signature: changed or added in transit, it is refused", async () => {
    const reg = await signedRegistration(newSeller(), { name: "mine" });
    await expect(registerOverHttp(deps, { ...reg, message: { ...reg.message, name: "theirs" } })).rejects.toMatchObject(
      {
        code: "UNAUTHORIZED",
      },
    );
    const plain = await signedRegistration(newSeller());
    await expect(
      registerOverHttp(deps, { ...plain, message: { ...plain.message, name: "added" } }),
    ).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    expect(await deps.prisma.node.count()).toBe(0);
  });

  it("refuses NUL, control characters, padding and names over 64 characters, writing nothing", async () => {
    for (const name of ["a\u0000b", "two\nlines", " padded", "x".repeat(65)]) {
      await expect(registerOverHttp(deps, await signedRegistration(newSeller(), { name }))).rejects.toMatchObject({
        code: "BAD_REQUEST",
      });
    }
    expect(await deps.prisma.node.count()).toBe(0);
    const ok = await registerOverHttp(deps, await signedRegistration(newSeller(), { name: "é".repeat(64) }));
    expect(await nameOf(ok.nodeId)).toBe("é".repeat(64));
  });

  it("a signed update renames, keeps the name when it has none, and clears it with an empty name", async () => {
    const seller = newSeller();
    const { caller } = await callerFor(deps);
    const { nodeId } = await registerOverHttp(deps, await signedRegistration(seller, { name: "first" }));

    await caller.nodes.update(await signedUpdate(seller, nodeId, { name: "second" }));
    expect(await nameOf(nodeId)).toBe("second");
    await caller.nodes.update(await signedUpdate(seller, nodeId, { pricePerHour: "4" }));
    expect(await nameOf(nodeId)).toBe("second");
    await caller.nodes.update(await signedUpdate(seller, nodeId, { name: "" }));
    expect(await nameOf(nodeId)).toBeNull();

    // Someone else cannot rename it, and a name added to a signed price change is refused.
    await expect(
      caller.nodes.update(await signedUpdate(newSeller(), nodeId, { name: "stolen" })),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    const priceOnly = await signedUpdate(seller, nodeId);
    await expect(
      caller.nodes.update({ ...priceOnly, message: { ...priceOnly.message, name: "sneaky" } }),
    ).rejects.toMatchObject({ code: "UNAUTHORIZED" });
    expect(await nameOf(nodeId)).toBeNull();
  });

  it("pairing: the name signed with the code wins over the agent's --name, which is used otherwise", async () => {
    const seller = newSeller();
    const api = await signedInCaller(deps, seller);
    const server = await startTestServer(deps);
    const pair = async (code: string, name?: string) => {
      const res = await fetch(`${server.url}${AGENT_API_PREFIX}/pair`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ code, gpuInfo: h200, ...(name === undefined ? {} : { name }) }),
      });
      return { status: res.status, body: await res.json() };
    };
    try {
      const signedName = await api.seller.createPairingCode(await signedPairing(seller, "rack-2"));
      const a = await pair(signedName.code, "from-agent");
      expect(a.status).toBe(201);
      expect(await nameOf(a.body.nodeId)).toBe("rack-2");

      const agentName = await api.seller.createPairingCode(await signedPairing(seller));
      const b = await pair(agentName.code, "from-agent");
      expect(await nameOf(b.body.nodeId)).toBe("from-agent");

      // An older agent sends no name: unnamed.
      const old = await api.seller.createPairingCode(await signedPairing(seller));
      const c = await pair(old.code);
      expect(await nameOf(c.body.nodeId)).toBeNull();

      // A bad name is a 400 and does not burn the code.
      const bad = await api.seller.createPairingCode(await signedPairing(seller));
      expect((await pair(bad.code, "nul\u0000")).status).toBe(400);
      expect((await pair(bad.code, "fine")).status).toBe(201);
    } finally {
      await server.close();
    }
  });

  it("job views carry the node's display name: its name, else its GPU model", async () => {
    const buyer = newSeller();
    const named = await registerOverHttp(deps, await signedRegistration(newSeller(), { name: "lab-h200-1" }));
    const unnamed = await registerOverHttp(deps, await signedRegistration(newSeller()));
    for (const nodeId of [named.nodeId, unnamed.nodeId]) {
      await deps.prisma.job.create({
        data: { buyerAddress: buyer.address, nodeId, jobType: "python", script: "print(1)", maxDurationSeconds: 60 },
      });
    }
    const api = await signedInCaller(deps, buyer);
    const { items } = await api.jobs.list({});
    expect(items.map((j) => j.nodeName).sort()).toEqual(["NVIDIA H200", "lab-h200-1"]);
    const one = await api.jobs.get({ id: items.find((j) => j.nodeId === named.nodeId)!.id });
    expect(one.nodeName).toBe("lab-h200-1");
  });
});
