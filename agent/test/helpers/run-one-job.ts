/**
 * A stand-in agent for the SIGKILL tests: runs one job through a real executor
 * in its own process (run with tsx), streaming the job's output to stdout, so
 * a test can SIGKILL it mid-job. argv[2]: JSON { kind, options, job }.
 */
import { createBwrapExecutor } from "../../src/executor/bwrap-executor";
import { parsePinnedImage } from "../../src/executor/docker-args";
import { DockerExecutor, type DockerExecutorOptions } from "../../src/executor/docker-executor";
import type { ExecutionRequest, Executor } from "../../src/executor/types";

const { kind, options, job } = JSON.parse(process.argv[2]!) as {
  kind: "docker" | "bwrap";
  options: Record<string, unknown> & { imageAllowlist?: string[] };
  job: Omit<ExecutionRequest, "onOutput" | "signal">;
};
const executor: Executor | null =
  kind === "docker"
    ? new DockerExecutor({
        ...(options as unknown as DockerExecutorOptions),
        imageAllowlist: options.imageAllowlist!.map(parsePinnedImage),
      })
    : await createBwrapExecutor(options as unknown as Parameters<typeof createBwrapExecutor>[0]);
if (!executor) throw new Error(`no ${kind} executor here`);
await executor.run({ ...job, onOutput: (_stream, text) => process.stdout.write(text) });
