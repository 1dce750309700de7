import { chmod, writeFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseBenchmarkOutput, runBenchmark } from "../src/gpu/benchmark";
import { tempDir } from "./helpers/temp-dir";

async function fakePython(body: string): Promise<string> {
  const dir = tempDir("cs-py-");
  const file = path.join(dir, "python3");
  await writeFile(file, `#!/bin/sh\n${body}\n`);
  await chmod(file, 0o755);
  return file;
}

describe("parseBenchmarkOutput", () => {
  it("reads the TFLOPS line, ignoring other output", () => {
    expect(parseBenchmarkOutput('warming up\n{"tflops": 805.43, "dtype": "bf16", "device": "NVIDIA H200"}\n')).toEqual({
      tflops: 805.4,
      dtype: "bf16",
    });
  });
  it("reads a skip reason", () => {
    expect(parseBenchmarkOutput('{"skipped": "no CUDA device"}')).toEqual({
      tflops: null,
      skippedReason: "no CUDA device",
    });
  });
  it("says so when nothing usable was printed", () => {
    expect(parseBenchmarkOutput("Traceback ...")).toEqual({
      tflops: null,
      skippedReason: "benchmark printed no result",
    });
    expect(parseBenchmarkOutput('{"tflops": -1}')).toEqual({
      tflops: null,
      skippedReason: "benchmark printed no result",
    });
  });
});

describe("runBenchmark", () => {
  it("passes the script and matrix size to python and parses its answer", async () => {
    const py = await fakePython(
      `case "$2" in *bfloat16*) echo '{"tflops": 123.456, "dtype": "bf16"}' ;; *) echo nope ;; esac`,
    );
    expect(await runBenchmark({ python: py, size: 64 })).toEqual({ tflops: 123.5, dtype: "bf16" });
  });
  it("is skipped with a reason when python3 is missing", async () => {
    expect(await runBenchmark({ python: "/nonexistent/python3" })).toEqual({
      tflops: null,
      skippedReason: "python3 not found",
    });
  });
  it("is skipped with the error when the script fails", async () => {
    const py = await fakePython(`echo "RuntimeError: CUDA out of memory" >&2; exit 1`);
    const b = await runBenchmark({ python: py });
    expect(b.tflops).toBeNull();
    expect(b.skippedReason).toMatch(/CUDA out of memory/);
  });
  it("on this machine without PyTorch+CUDA, is skipped with a reason", async () => {
    const b = await runBenchmark({ size: 256 });
    if (b.tflops === null) expect(b.skippedReason).toMatch(/PyTorch not installed|no CUDA device|python3 not found/);
    else expect(b.tflops).toBeGreaterThan(0); // a GPU machine with torch
  });
});
