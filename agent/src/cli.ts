import { buildProgram } from "./cli/program";
import { ConfigFileError } from "./config/config-file";
import { UsageError } from "./config/option-specs";

/** Entry point of the `computeswarm-agent` binary. */
async function main(): Promise<void> {
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (err) {
    const usage = err instanceof UsageError || err instanceof ConfigFileError;
    process.stderr.write(`computeswarm-agent: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(usage ? 2 : 1);
  }
  // `start` returns after a clean shutdown; do not wait for idle keep-alive sockets.
  process.exit(process.exitCode ?? 0);
}

void main();
