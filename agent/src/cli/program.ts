import { Command } from "commander";
import { OPTION_SPECS, addSpecOption, type OptionSpec } from "../config/option-specs";
import { doctorCommand } from "../commands/doctor";
import { gpusCommand } from "../commands/gpus";
import { loadContext, processIo, type CliIo } from "../commands/context";
import { registerCommand } from "../commands/register";
import { startCommand } from "../commands/start";
import { statusCommand } from "../commands/status";
import { tryJobCommand } from "../commands/try-job";
import { AGENT_VERSION } from "../version";

const S = OPTION_SPECS;
const REGISTER_SPECS: OptionSpec[] = [S.marketplace, S.keyFile, S.pair, S.price, S.name, S.endpoint, S.benchmark];
const START_SPECS: OptionSpec[] = [
  S.marketplace,
  S.executor,
  S.allowUnsandboxed,
  S.allowNetwork,
  S.imageAllowlist,
  S.maxOutputBytes,
  S.heartbeatInterval,
  S.pollWait,
  S.shutdownGrace,
  S.dockerMemory,
  S.dockerCpus,
  S.dockerPidsLimit,
];
const STATUS_SPECS: OptionSpec[] = [S.marketplace];
const DOCTOR_SPECS: OptionSpec[] = START_SPECS.filter((spec) => spec !== S.marketplace);
const GPUS_SPECS: OptionSpec[] = [S.runBenchmark];

const FOOTER = `
Every option can also come from its COMPUTESWARM_* environment variable or,
by its camelCase name (e.g. "imageAllowlist"), from the config file.
Precedence: flag > environment > config file > default.

Environment only:
  COMPUTESWARM_PRIVATE_KEY   seller's hex private key for register (instead of --key-file); never logged or stored
  COMPUTESWARM_NODE_ID       node id, overriding the config file
  COMPUTESWARM_AGENT_TOKEN   agent token, overriding the config file
  COMPUTESWARM_NVIDIA_SMI    path of nvidia-smi (default: nvidia-smi on PATH)

Examples:
  computeswarm-agent register --marketplace https://computeswarm.example --key-file ~/.seller.key --price 2.50
  computeswarm-agent register --marketplace https://computeswarm.example --pair M6YB-EA6F-5FL8
  computeswarm-agent start    # docker if reachable with an allowlist, else bwrap, after the sandbox self-test
  computeswarm-agent start --executor docker --image-allowlist pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime@sha256:<digest>
  computeswarm-agent start --executor process --allow-unsandboxed
  computeswarm-agent doctor
  computeswarm-agent gpus`;

function withSpecs(cmd: Command, specs: OptionSpec[]): Command {
  for (const spec of specs) addSpecOption(cmd, spec);
  return cmd;
}

/** The commander program; `io` is injectable so tests can run commands in-process. */
export function buildProgram(io: CliIo = processIo): Command {
  const program = new Command("computeswarm-agent")
    .description(
      "ComputeSwarm seller agent: offers this machine's GPUs on a ComputeSwarm marketplace and runs buyers' jobs",
    )
    .version(AGENT_VERSION)
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError()
    .addHelpText("after", FOOTER);
  addSpecOption(program, S.config);
  addSpecOption(program, S.logLevel);

  withSpecs(
    program
      .command("register")
      .description(
        "detect GPUs, run a short benchmark, and register this node (signing with the seller key, or redeeming a pairing code); saves the node id and token to the config file",
      ),
    REGISTER_SPECS,
  ).action(async (_opts, cmd: Command) => registerCommand(await loadContext(cmd, REGISTER_SPECS, io)));

  withSpecs(
    program
      .command("start")
      .description(
        "heartbeat, claim jobs, run them with the chosen executor and report results, until SIGTERM/SIGINT (logs one JSON line per event on stdout)",
      ),
    START_SPECS,
  ).action(async (_opts, cmd: Command) => startCommand(await loadContext(cmd, START_SPECS, io)));

  withSpecs(
    program
      .command("status")
      .description("show this agent's registration (never the token) and whether the marketplace answers, as JSON"),
    STATUS_SPECS,
  ).action(async (_opts, cmd: Command) => {
    process.exitCode = await statusCommand(await loadContext(cmd, STATUS_SPECS, io, "stderr"));
  });

  withSpecs(
    program
      .command("doctor")
      .description(
        "show the sandboxes on this machine, the executor start would use, and run the self-test canary start runs before accepting work (exit 1 if it fails)",
      ),
    DOCTOR_SPECS,
  ).action(async (_opts, cmd: Command) => {
    process.exitCode = await doctorCommand(await loadContext(cmd, DOCTOR_SPECS, io, "stderr"));
  });

  withSpecs(
    program
      .command("try")
      .argument("<script>", "file with the job's script: *.sh runs as a shell job, anything else as python")
      .description(
        "run one local script as a buyer's job would run here (same executor, self-test and sandbox), no marketplace; prints the result as JSON",
      ),
    DOCTOR_SPECS,
  ).action(async (file: string, _opts, cmd: Command) => {
    process.exitCode = await tryJobCommand(await loadContext(cmd, DOCTOR_SPECS, io, "stderr"), file);
  });

  withSpecs(
    program.command("gpus").description("print the detected GPUs as JSON (what register would offer)"),
    GPUS_SPECS,
  ).action(async (_opts, cmd: Command) => gpusCommand(await loadContext(cmd, GPUS_SPECS, io, "stderr")));
  return program;
}
