/**
 * Structure checks for the deployment files: docker-compose.yml, Dockerfile,
 * agent/Dockerfile, deploy/nginx.conf, .dockerignore and .github/workflows/ci.yml.
 * No Docker daemon needed: the files are parsed and the properties that matter for a
 * working deployment are asserted (names that must line up across files, health
 * checks, replicas, non-root images, SSE-safe proxying, the CI services and steps).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const root = fileURLToPath(new URL("..", import.meta.url));
const read = (p: string) => readFileSync(join(root, p), "utf8");

type Dict = Record<string, unknown>;
const isDict = (v: unknown): v is Dict => typeof v === "object" && v !== null && !Array.isArray(v);
const dict = (v: unknown, what: string): Dict => {
  if (!isDict(v)) throw new Error(`${what} is not a mapping`);
  return v;
};
const text = (v: unknown): string => (Array.isArray(v) ? v.map(String).join(" ") : String(v ?? ""));

// ---------------------------------------------------------------------------
// Dockerfile parsing: stages, and each stage's instructions (continuations joined).

interface Instruction {
  op: string;
  args: string;
}
interface Stage {
  from: string;
  name: string | undefined;
  instructions: Instruction[];
}

function parseDockerfile(source: string): Stage[] {
  const logical: string[] = [];
  let current = "";
  for (const raw of source.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("#") || line === "") continue; // also inside a continuation, as Docker does
    if (line.endsWith("\\")) {
      current += line.slice(0, -1) + " ";
      continue;
    }
    logical.push(current + line);
    current = "";
  }
  if (current) logical.push(current);

  const stages: Stage[] = [];
  for (const l of logical) {
    const m = /^(\w+)\s+(.*)$/s.exec(l);
    if (!m) continue;
    const op = m[1]!.toUpperCase();
    const args = m[2]!.trim();
    if (op === "FROM") {
      const f = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?/i.exec(args)!;
      stages.push({ from: f[1]!, name: f[2]?.toLowerCase(), instructions: [] });
    } else if (op !== "ARG" || stages.length > 0) {
      stages.at(-1)?.instructions.push({ op, args });
    }
  }
  return stages;
}

const stageNamed = (stages: Stage[], name: string): Stage => {
  const s = stages.find((st) => st.name === name);
  if (!s) throw new Error(`no stage named ${name}`);
  return s;
};
const args = (stage: Stage, op: string) => stage.instructions.filter((i) => i.op === op).map((i) => i.args);
/** Exec-form CMD/ENTRYPOINT as an array (shell form as one string). */
const execForm = (s: string | undefined): string[] => {
  if (s === undefined) return [];
  try {
    const v: unknown = JSON.parse(s);
    return Array.isArray(v) ? v.map(String) : [s];
  } catch {
    return [s];
  }
};
const lastUser = (stage: Stage) => args(stage, "USER").at(-1);
const isNonRoot = (user: string | undefined) => user !== undefined && !/^(root|0)(:|$)/.test(user.trim());

// package.json scripts, to check every `npm run X` used by the deployment files exists.
const rootScripts = dict(JSON.parse(read("package.json")).scripts, "package.json scripts");
const agentScripts = dict(JSON.parse(read("agent/package.json")).scripts, "agent/package.json scripts");
function expectScriptsExist(commands: string, where: string) {
  for (const m of commands.matchAll(/npm run ([\w:.-]+)((?:\s+-w\s+\S+|\s+--workspace[= ]\S+)?)/g)) {
    const scripts = /agent/.test(m[2] ?? "") ? agentScripts : rootScripts;
    expect(scripts, `${where}: npm run ${m[1]}${m[2] ?? ""}`).toHaveProperty([m[1]!]);
  }
}

// ---------------------------------------------------------------------------

const compose = dict(parse(read("docker-compose.yml")), "docker-compose.yml");
const services = dict(compose.services, "services");
const service = (name: string) => dict(services[name], `services.${name}`);
const dependsOn = (name: string) => dict(service(name).depends_on, `services.${name}.depends_on`);
const envOf = (name: string) => dict(service(name).environment, `services.${name}.environment`);

const rootStages = parseDockerfile(read("Dockerfile"));
const agentStages = parseDockerfile(read("agent/Dockerfile"));
const nginxConf = read("deploy/nginx.conf")
  .split("\n")
  .map((l) => l.replace(/(^|\s)#.*$/, ""))
  .join("\n");

describe("docker-compose.yml", () => {
  it("has the services of the production shape", () => {
    for (const name of ["postgres", "redis", "anvil", "migrate", "marketplace", "nginx", "agent"]) {
      expect(services, name).toHaveProperty([name]);
    }
  });

  it("runs PostgreSQL 15 and Redis 7 with health checks and persistent volumes", () => {
    const pg = service("postgres");
    expect(String(pg.image)).toMatch(/^postgres:15([.-]|$)/);
    expect(text(dict(pg.healthcheck, "postgres.healthcheck").test)).toContain("pg_isready");
    expect(text(pg.volumes)).toContain(":/var/lib/postgresql/data");

    const redis = service("redis");
    expect(String(redis.image)).toMatch(/^redis:7([.-]|$)/);
    expect(text(dict(redis.healthcheck, "redis.healthcheck").test)).toContain("ping");
    expect(text(redis.command)).toMatch(/--appendonly\s+yes/);
    expect(text(redis.volumes)).toContain(":/data");
  });

  it("declares every named volume it mounts", () => {
    const declared = Object.keys(dict(compose.volumes, "volumes"));
    for (const [name, raw] of Object.entries(services)) {
      for (const v of (dict(raw, name).volumes as unknown[] | undefined) ?? []) {
        const source = String(v).split(":")[0]!;
        if (!source.startsWith(".") && !source.startsWith("/"))
          expect(declared, `${name}: ${source}`).toContain(source);
      }
    }
  });

  it("migrates once, after PostgreSQL is healthy, from the Dockerfile's migrate stage", () => {
    const build = dict(service("migrate").build, "migrate.build");
    expect(build.target).toBe("migrate");
    expect(dependsOn("migrate").postgres).toEqual({ condition: "service_healthy" });
    expect(envOf("migrate")).toHaveProperty(["DATABASE_URL"]);
    expect(service("migrate").restart).toBe("no");
  });

  it("runs two marketplace replicas behind nginx, healthy, after the migration", () => {
    const m = service("marketplace");
    expect(dict(m.deploy, "marketplace.deploy").replicas).toBe(2);
    expect(dict(m.build, "marketplace.build").target).toBe("runner");
    // The runner's own CMD (node server.mjs: lean layer + Next), never a standalone server.js.
    expect(m.command).toBeUndefined();
    expect(m.entrypoint).toBeUndefined();
    expect(m.container_name).toBeUndefined();
    expect(m.ports, "replicas must not publish host ports").toBeUndefined();
    const hc = dict(m.healthcheck, "marketplace.healthcheck");
    expect(text(hc.test)).toContain("/api/health");

    const deps = dependsOn("marketplace");
    expect(deps.migrate).toEqual({ condition: "service_completed_successfully" });
    expect(deps.redis).toEqual({ condition: "service_healthy" });

    const env = envOf("marketplace");
    for (const key of ["DATABASE_URL", "REDIS_URL", "CHAIN", "RPC_URL", "RELAYER_PRIVATE_KEY", "ADMIN_ADDRESSES"]) {
      expect(env, key).toHaveProperty([key]);
    }
    expect(String(env.DATABASE_URL)).toContain("@postgres:5432/");
    expect(String(env.REDIS_URL)).toContain("redis://redis:6379");
    // Behind nginx the app must read the client address from the proxy headers.
    expect(env.TRUST_PROXY).toBe("true");
  });

  it("shares one local chain between the replicas by default", () => {
    const env = envOf("marketplace");
    expect(String(env.CHAIN)).toMatch(/^\$\{CHAIN:-local\}$/);
    expect(String(env.RPC_URL)).toContain("http://anvil:8545");
    expect(text(service("anvil").command)).toMatch(/anvil.*--host\s+0\.0\.0\.0.*--port\s+8545/);
    expect(dependsOn("marketplace").anvil).toEqual({ condition: "service_healthy" });
  });

  it("never names a container of a replicated service", () => {
    for (const [name, raw] of Object.entries(services)) {
      const s = dict(raw, name);
      const replicas = isDict(s.deploy) ? Number(s.deploy.replicas ?? 1) : 1;
      if (replicas > 1) expect(s.container_name, name).toBeUndefined();
    }
  });

  it("fronts the app with nginx 1.27 on port 80, with the config from deploy/", () => {
    const n = service("nginx");
    expect(String(n.image)).toMatch(/^nginx:1\.27/);
    expect((n.ports as unknown[]).map(String)).toContain("80:80");
    const mounts = (n.volumes as unknown[]).map(String);
    const conf = mounts.find((v) => v.includes("nginx.conf"));
    expect(conf).toBeDefined();
    const [source, target] = conf!.split(":");
    expect(existsSync(join(root, source!))).toBe(true);
    expect(target).toBe("/etc/nginx/nginx.conf");
    expect(dependsOn("nginx")).toHaveProperty(["marketplace"]);
  });

  it("runs the demo agent against nginx with a persistent config volume", () => {
    const a = service("agent");
    const build = dict(a.build, "agent.build");
    expect(existsSync(join(root, String(build.context), String(build.dockerfile)))).toBe(true);
    expect(envOf("agent").COMPUTESWARM_MARKETPLACE).toBe("http://nginx");
    expect((a.volumes as unknown[]).length).toBeGreaterThan(0);
  });

  it("depends only on services that exist", () => {
    for (const [name, raw] of Object.entries(services)) {
      const s = dict(raw, name);
      if (!s.depends_on) continue;
      const deps = Array.isArray(s.depends_on) ? s.depends_on.map(String) : Object.keys(s.depends_on as Dict);
      for (const d of deps) expect(services, `${name} -> ${d}`).toHaveProperty([d]);
    }
  });

  it("builds only Dockerfile stages that exist", () => {
    for (const [name, raw] of Object.entries(services)) {
      const s = dict(raw, name);
      if (!isDict(s.build)) continue;
      const file = join(String(s.build.context ?? "."), String(s.build.dockerfile ?? "Dockerfile"));
      expect(existsSync(join(root, file)), `${name}: ${file}`).toBe(true);
      if (s.build.target !== undefined) {
        const stages = parseDockerfile(read(file)).map((st) => st.name);
        expect(stages, `${name}: target ${String(s.build.target)}`).toContain(s.build.target);
      }
    }
  });
});

describe("Dockerfile (marketplace)", () => {
  it("is multi-stage on node:20-bookworm-slim with deps, build, migrate and runner", () => {
    const names = rootStages.map((s) => s.name);
    for (const n of ["deps", "build", "migrate", "runner"]) expect(names).toContain(n);
    for (const s of rootStages) {
      const fromStage = names.includes(s.from.toLowerCase());
      expect(fromStage || s.from === "node:20-bookworm-slim", `FROM ${s.from}`).toBe(true);
    }
    // The runner is the default target (the last stage).
    expect(rootStages.at(-1)?.name).toBe("runner");
  });

  it("installs with npm ci and builds with the package.json scripts", () => {
    expect(args(stageNamed(rootStages, "deps"), "RUN").join("\n")).toMatch(/npm ci/);
    const build = args(stageNamed(rootStages, "build"), "RUN").join("\n");
    expect(build).toMatch(/npm run db:generate/);
    expect(build).toMatch(/npm run build/);
    expectScriptsExist(read("Dockerfile"), "Dockerfile");
  });

  it("has a migrate stage that runs npm run db:migrate", () => {
    const migrate = stageNamed(rootStages, "migrate");
    expect(execForm(args(migrate, "CMD").at(-1))).toEqual(["npm", "run", "db:migrate"]);
    expect(rootScripts).toHaveProperty(["db:migrate"]);
  });

  it("runs server.mjs (lean layer + Next), not the standalone server.js, as a non-root user with a health check", () => {
    const runner = stageNamed(rootStages, "runner");
    expect(["deps", "build"]).not.toContain(runner.from); // no dev dependencies in the runtime image
    const copies = args(runner, "COPY").join("\n");
    // What server.mjs loads: the lean bundle, Next's build, its config, production node_modules.
    for (const path of ["/app/server.mjs", "/app/dist", "/app/.next", "/app/next.config.mjs", "/app/node_modules"])
      expect(copies).toContain(path);
    expect(copies).not.toContain("/app/.next/standalone");
    expect(copies).toContain("/app/public");
    expect(copies).toContain("/app/prisma/migrations");
    expect(copies).toContain("/app/agent/dist");
    // node_modules comes from a stage that pruned the dev dependencies.
    const sources = new Set(
      args(runner, "COPY")
        .map((a) => /--from=(\S+)/.exec(a)?.[1])
        .filter((x): x is string => !!x),
    );
    for (const from of sources) {
      expect(["deps", "build"], `COPY --from=${from}`).not.toContain(from);
      expect(args(stageNamed(rootStages, from), "RUN").join("\n")).toMatch(/npm prune --omit=dev/);
    }
    // The build made the lean bundle, and not as a standalone output the runner would not run.
    const build = args(stageNamed(rootStages, "build"), "RUN").join("\n");
    expect(build).toMatch(/test -f dist\/lean-server\.mjs/);
    expect(build).not.toMatch(/NEXT_STANDALONE=1/);
    expect(isNonRoot(lastUser(runner))).toBe(true);
    expect(args(runner, "HEALTHCHECK").join(" ")).toContain("/api/health");
    // server.mjs binds to HOST (loopback unless set): nginx reaches the replicas over Docker's network.
    expect(args(runner, "ENV").join(" ")).toMatch(/HOST=0\.0\.0\.0/);
    expect(args(runner, "ENV").join(" ")).toMatch(/HOSTNAME=0\.0\.0\.0/);
    expect(args(runner, "ENV").join(" ")).toMatch(/NODE_ENV=production/);
    expect(execForm(args(runner, "CMD").at(-1))).toEqual(["node", "server.mjs"]);
    expect(read("server.mjs")).toMatch(/process\.env\.HOST/);
    expect(read("server.mjs")).toMatch(/createLeanHandler/);
  });
});

describe("agent/Dockerfile", () => {
  it("builds the agent bundle and runs `start` as a non-root user", () => {
    const final = agentStages.at(-1)!;
    expect(final.from).toBe("node:20-bookworm-slim");
    expect(agentStages.flatMap((s) => args(s, "RUN")).join("\n")).toMatch(/npm run build -w agent/);
    expectScriptsExist(read("agent/Dockerfile"), "agent/Dockerfile");
    expect(isNonRoot(lastUser(final))).toBe(true);
    const command = [...execForm(args(final, "ENTRYPOINT").at(-1)), ...execForm(args(final, "CMD").at(-1))];
    expect(command.slice(0, 3)).toEqual(["node", "dist/cli.js", "start"]);
    expect(command).toContain("--allow-unsandboxed");
    expect(command.join(" ")).toMatch(/--executor\s+process/);
  });
});

describe(".dockerignore", () => {
  it("keeps dependencies, build output, local state and secrets out of the context", () => {
    const lines = read(".dockerignore")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith("#"));
    for (const p of ["node_modules", ".next", ".data", ".git", "test-results", "e2e/screenshots", ".env"]) {
      expect(
        lines.some((l) => l === p || l === `**/${p}`),
        p,
      ).toBe(true);
    }
  });
});

describe("deploy/nginx.conf", () => {
  /** The body of the first `<directive> <arg> {` block, braces matched. */
  function block(header: RegExp): string {
    const m = header.exec(nginxConf);
    if (!m) throw new Error(`no block ${String(header)}`);
    let depth = 0;
    const start = m.index + m[0].length;
    for (let i = start; i < nginxConf.length; i++) {
      if (nginxConf[i] === "{") depth++;
      if (nginxConf[i] === "}") {
        if (depth === 0) return nginxConf.slice(start, i);
        depth--;
      }
    }
    throw new Error("unbalanced braces");
  }

  it("balances over the marketplace replicas through Docker's DNS", () => {
    const upstream = block(/upstream\s+marketplace\s*\{/);
    expect(upstream).toMatch(/server\s+marketplace:3000\b/);
    expect(upstream).toMatch(/keepalive\s+\d+;/);
    expect(nginxConf).toMatch(/resolver\s+127\.0\.0\.11\b/);
  });

  it("passes the client address and a request id to the app", () => {
    for (const h of ["X-Forwarded-For", "X-Real-IP", "X-Request-Id", "X-Forwarded-Proto"]) {
      expect(nginxConf).toMatch(new RegExp(`proxy_set_header\\s+${h}\\s`));
    }
  });

  it("does not reset the proxy headers in any location (nginx does not merge them)", () => {
    for (const m of nginxConf.matchAll(/location\s+[^{]+\{/g)) {
      expect(block(new RegExp(m[0].replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")))).not.toMatch(/proxy_set_header/);
    }
  });

  it("streams tRPC subscriptions (SSE) and agent long-polls without buffering", () => {
    for (const header of [/location\s+\/api\/trpc\/\s*\{/, /location\s+\/api\/agent\/\s*\{/]) {
      const loc = block(header);
      expect(loc).toMatch(/proxy_buffering\s+off;/);
      expect(loc).toMatch(/proxy_read_timeout\s+60s;/);
      expect(loc).toMatch(/proxy_pass\s+http:\/\/marketplace;/);
    }
    expect(nginxConf).toMatch(/proxy_http_version\s+1\.1;/);
    // An agent's log stream sends chunks while it reads their acks: nginx must not hold the body.
    expect(block(/location\s+\/api\/agent\/\s*\{/)).toMatch(/proxy_request_buffering\s+off;/);
  });

  it("limits bodies to 2m and gzips, but never event streams", () => {
    expect(nginxConf).toMatch(/client_max_body_size\s+2m;/);
    expect(nginxConf).toMatch(/gzip\s+on;/);
    const types = /gzip_types([^;]*);/.exec(nginxConf)?.[1] ?? "";
    expect(types).not.toContain("text/event-stream");
  });
});

describe(".github/workflows/ci.yml", () => {
  const ci = dict(parse(read(".github/workflows/ci.yml")), "ci.yml");
  const jobs = dict(ci.jobs, "jobs");
  const testJob = Object.values(jobs)
    .map((j) => dict(j, "job"))
    .find((j) => isDict(j.services) && "postgres" in j.services);
  if (!testJob) throw new Error("no job with a postgres service");
  const steps = (testJob.steps as unknown[]).map((s) => dict(s, "step"));
  const runs = steps.map((s) => String(s.run ?? ""));
  const indexOfRun = (re: RegExp) => runs.findIndex((r) => re.test(r));

  it("runs on push and pull requests", () => {
    const on = dict(ci.on, "on");
    expect(on).toHaveProperty(["push"]);
    expect(on).toHaveProperty(["pull_request"]);
  });

  it("has PostgreSQL 15 and Redis 7 service containers with health checks and ports", () => {
    expect(testJob["runs-on"]).toBe("ubuntu-latest");
    const svc = dict(testJob.services, "services");
    const pg = dict(svc.postgres, "postgres");
    expect(String(pg.image)).toMatch(/^postgres:15([.-]|$)/);
    expect(dict(pg.env, "postgres.env")).toMatchObject({ POSTGRES_HOST_AUTH_METHOD: "trust", POSTGRES_DB: "test" });
    expect((pg.ports as unknown[]).map(String)).toContain("5432:5432");
    expect(String(pg.options)).toContain("--health-cmd");
    const redis = dict(svc.redis, "redis");
    expect(String(redis.image)).toMatch(/^redis:7([.-]|$)/);
    expect((redis.ports as unknown[]).map(String)).toContain("6379:6379");
    expect(String(redis.options)).toContain("--health-cmd");
  });

  it("uses Node 20 with the npm cache", () => {
    const setup = steps.find((s) => String(s.uses ?? "").startsWith("actions/setup-node@"));
    const w = dict(setup?.with, "setup-node.with");
    expect(String(w["node-version"])).toMatch(/^20/);
    expect(w.cache).toBe("npm");
  });

  it("installs, checks, tests, builds, smoke-tests and runs e2e, in that order", () => {
    const order = [
      /^npm ci\b/m,
      /npm run typecheck/,
      /npm run lint/,
      /^npm test\b/m,
      /^npm run build\s*$/m,
      /scripts\/smoke-embedded\.sh/,
      /npm run test:e2e/,
    ].map(indexOfRun);
    for (const i of order) expect(i).toBeGreaterThanOrEqual(0);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expectScriptsExist(runs.join("\n"), "ci.yml");
  });

  it("points the tests at the service containers", () => {
    const test = steps[indexOfRun(/^npm test\b/m)]!;
    expect(dict(test.env, "npm test env")).toMatchObject({
      DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/test",
      REDIS_URL: "redis://127.0.0.1:6379",
    });
  });

  it("runs the same tests again on the embedded defaults", () => {
    const runsOfTest = steps.filter((st) => /^npm test\b/m.test(String(st.run ?? "")));
    expect(runsOfTest).toHaveLength(2);
    expect(runsOfTest.filter((st) => st.env === undefined)).toHaveLength(1);
  });

  it("smoke-tests the embedded default with no DATABASE_URL or REDIS_URL", () => {
    const smoke = steps[indexOfRun(/scripts\/smoke-embedded\.sh/)]!;
    const script = readFileSync("scripts/smoke-embedded.sh", "utf8");
    expect(script).toContain("/api/health");
    expect(script).toMatch(/env -u DATABASE_URL -u REDIS_URL/);
    for (const scope of [ci.env, testJob.env, smoke.env]) {
      if (scope === undefined) continue;
      expect(dict(scope, "env")).not.toHaveProperty(["DATABASE_URL"]);
      expect(dict(scope, "env")).not.toHaveProperty(["REDIS_URL"]);
    }
  });
});
