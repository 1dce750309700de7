import { readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { Command } from "commander";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  ConfigFileError,
  readConfigFile,
  updateConfigFile,
  writeConfigFile,
  type AgentConfigFile,
} from "../src/config/config-file";
import { OPTION_SPECS, UsageError, addSpecOption, resolveSpecValues } from "../src/config/option-specs";
import { parseSettings, startSettingsSchema } from "../src/config/settings";
import { tempDir } from "./helpers/temp-dir";

const tmp = () => tempDir("cs-config-");

describe("config file", () => {
  it("is written with mode 0600 in a 0700 directory, even with a permissive umask", async () => {
    const file = path.join(await tmp(), "nested", "agent.json");
    const old = process.umask(0o000);
    try {
      await writeConfigFile(file, { nodeId: "n1", agentToken: "secret", marketplace: "http://x" });
    } finally {
      process.umask(old);
    }
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(file))).mode & 0o777).toBe(0o700);
    expect(await readConfigFile(file)).toEqual({ nodeId: "n1", agentToken: "secret", marketplace: "http://x" });
  });

  it("keeps the mode 0600 when rewriting a file that had looser permissions", async () => {
    const file = path.join(await tmp(), "agent.json");
    await writeFile(file, JSON.stringify({ imageAllowlist: ["img"] }), { mode: 0o644 });
    await updateConfigFile(file, { nodeId: "n2", agentToken: "t" });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(file, "utf8"))).toEqual({
      imageAllowlist: ["img"],
      nodeId: "n2",
      agentToken: "t",
    });
  });

  it("is empty when missing and a clear error when broken", async () => {
    const dir = await tmp();
    expect(await readConfigFile(path.join(dir, "none.json"))).toEqual({});
    await writeFile(path.join(dir, "bad.json"), "{nope");
    await expect(readConfigFile(path.join(dir, "bad.json"))).rejects.toBeInstanceOf(ConfigFileError);
  });
});

function startCommand(argv: string[]): Command {
  const cmd = new Command("start").exitOverride();
  for (const spec of specs) addSpecOption(cmd, spec);
  cmd.parse(argv, { from: "user" });
  return cmd;
}
const specs = [
  OPTION_SPECS.marketplace,
  OPTION_SPECS.allowUnsandboxed,
  OPTION_SPECS.imageAllowlist,
  OPTION_SPECS.pollWait,
  OPTION_SPECS.heartbeatInterval,
];

/** Parses argv with `env` in process.env (where commander reads variables), then resolves. */
function resolve(argv: string[], env: Record<string, string>, file: AgentConfigFile): Record<string, unknown> {
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  return resolveSpecValues(startCommand(argv), specs, file);
}

describe("option precedence: flag > env > config file > default", () => {
  afterEach(() => vi.unstubAllEnvs());
  const file = { marketplace: "http://file", pollWait: 5, imageAllowlist: ["file:img"], heartbeatInterval: 7 };
  const env = { COMPUTESWARM_MARKETPLACE: "http://env", COMPUTESWARM_IMAGE_ALLOWLIST: "env:a, env:b" };

  it("takes a flag over everything", () => {
    const v = resolve(["--marketplace", "http://flag"], env, file);
    expect(v.marketplace).toBe("http://flag");
  });
  it("takes the environment over the file", () => {
    const v = resolve([], env, file);
    expect(v.marketplace).toBe("http://env");
    expect(v.imageAllowlist).toEqual(["env:a", "env:b"]);
  });
  it("takes the file when neither flag nor env is set, then defaults", () => {
    const v = parseSettings(startSettingsSchema, resolve([], {}, file));
    expect(v).toMatchObject({
      marketplace: "http://file",
      pollWait: 5,
      heartbeatInterval: 7,
      imageAllowlist: ["file:img"],
      allowUnsandboxed: false,
      maxOutputBytes: 1048576,
      shutdownGrace: 30,
    });
  });
  it("parses booleans from the environment strictly", () => {
    expect(resolve([], { COMPUTESWARM_ALLOW_UNSANDBOXED: "false" }, {}).allowUnsandboxed).toBe(false);
    expect(resolve([], { COMPUTESWARM_ALLOW_UNSANDBOXED: "1" }, {}).allowUnsandboxed).toBe(true);
    expect(() => resolve([], { COMPUTESWARM_ALLOW_UNSANDBOXED: "maybe" }, {})).toThrow(UsageError);
    expect(resolve(["--allow-unsandboxed"], { COMPUTESWARM_ALLOW_UNSANDBOXED: "0" }, {}).allowUnsandboxed).toBe(true);
  });
  it("treats an empty variable as unset", () => {
    expect(resolve([], { COMPUTESWARM_MARKETPLACE: "" }, file).marketplace).toBe("http://file");
  });
  it("accepts a variadic image list on the command line", () => {
    expect(resolve(["--image-allowlist", "a:1", "b:2"], env, file).imageAllowlist).toEqual(["a:1", "b:2"]);
  });
  it("names the flag in validation errors", () => {
    expect(() => parseSettings(startSettingsSchema, { marketplace: "http://m", pollWait: "60" })).toThrow(
      /--poll-wait: must be a whole number from 0 to 25/,
    );
    expect(() => parseSettings(startSettingsSchema, { marketplace: "ftp://m" })).toThrow(
      /--marketplace: must be an http/,
    );
    expect(() => parseSettings(startSettingsSchema, {})).toThrow(/--marketplace: .*required/);
    expect(() => parseSettings(startSettingsSchema, { marketplace: "http://m", maxOutputBytes: 2_000_000 })).toThrow(
      /--max-output-bytes/,
    );
  });
  it("strips a trailing slash from the marketplace URL", () => {
    expect(parseSettings(startSettingsSchema, { marketplace: "http://m:3000/" }).marketplace).toBe("http://m:3000");
  });
});
