import { describe, expect, it } from "vitest";
import type { Command } from "commander";
import { buildProgram } from "../src/cli/program";

function help(...path: string[]): string {
  let cmd: Command = buildProgram();
  for (const name of path) cmd = cmd.commands.find((c) => c.name() === name)!;
  return cmd.helpInformation();
}

describe("--help", () => {
  it("lists the commands and global options", () => {
    const h = help();
    for (const s of ["register", "start", "status", "gpus", "--config <path>", "COMPUTESWARM_CONFIG", "--log-level"])
      expect(h).toContain(s);
  });

  it("its examples show a pairing code shaped like the marketplace's (XXXX-XXXX-XXXX)", () => {
    let out = "";
    const program = buildProgram().configureOutput({ writeOut: (s) => (out += s) });
    program.outputHelp();
    expect(out).toMatch(/--pair [A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}\n/);
  });

  it("register explains every option and its env variable", () => {
    const h = help("register");
    for (const s of [
      "--marketplace <url>",
      "--key-file <path>",
      "--pair <code>",
      "--price <usd-per-hour>",
      "--endpoint <url>",
      "--name <name>",
      "--no-benchmark",
      "--config <path>",
    ])
      expect(h).toContain(s);
    for (const e of [
      "COMPUTESWARM_MARKETPLACE",
      "COMPUTESWARM_KEY_FILE",
      "COMPUTESWARM_PRIVATE_KEY",
      "COMPUTESWARM_PAIR",
      "COMPUTESWARM_PRICE",
      "COMPUTESWARM_ENDPOINT",
      "COMPUTESWARM_NAME",
    ]) {
      expect(h.replace(/\s+/g, " ")).toContain(e);
    }
  });

  it("start explains every option", () => {
    const h = help("start").replace(/\s+/g, " ");
    for (const s of [
      "--executor <kind>",
      "--allow-unsandboxed",
      "--allow-network",
      "--image-allowlist <images...>",
      "--max-output-bytes <n>",
      "--heartbeat-interval <seconds>",
      "--poll-wait <seconds>",
      "--shutdown-grace <seconds>",
      "--marketplace <url>",
      "--config <path>",
      "COMPUTESWARM_EXECUTOR",
      "COMPUTESWARM_ALLOW_UNSANDBOXED",
      "UNSANDBOXED",
    ])
      expect(h).toContain(s);
  });

  it("every option's help names its COMPUTESWARM_* variable", () => {
    for (const cmd of buildProgram().commands) {
      const help = cmd.createHelp();
      for (const opt of cmd.options) {
        if (opt.long === "--help") continue;
        expect(help.optionDescription(opt), `${cmd.name()} ${opt.long}`).toMatch(/\(env: COMPUTESWARM_[A-Z_]+\)/);
      }
    }
  });
});
