import path from "node:path";

const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/**
 * The whole environment a process-executor job sees: nothing from the agent's
 * environment except PATH, LANG and the GPU selection variables, so the seller
 * key, the agent token and any other secret of the seller never reach a job.
 */
export function buildJobEnvironment(
  parent: NodeJS.ProcessEnv,
  opts: { home: string; pythonPath?: string | null },
): NodeJS.ProcessEnv {
  const pathDirs = [parent.PATH || DEFAULT_PATH];
  // Put the resolved interpreter's directory first: `python3` inside a job then
  // means the same interpreter, even where it came from a pyenv/conda shim that
  // needs the seller's HOME.
  if (opts.pythonPath) pathDirs.unshift(path.dirname(opts.pythonPath));
  const env: NodeJS.ProcessEnv = {
    PATH: pathDirs.join(path.delimiter),
    HOME: opts.home,
    TMPDIR: opts.home,
    LANG: parent.LANG || "C.UTF-8",
  };
  for (const [key, value] of Object.entries(parent)) {
    if (value !== undefined && (key === "CUDA_VISIBLE_DEVICES" || key.startsWith("NVIDIA_"))) env[key] = value;
  }
  return env;
}
