import { StringDecoder } from "node:string_decoder";
import { displayText, isPlainText, withoutNul } from "@computeswarm/protocol";
import type { OutputStream } from "./types";

export function truncationNote(maxBytes: number): string {
  return `\n[output truncated at ${maxBytes} bytes]\n`;
}

/** Largest n <= limit such that buf[0..n) does not end inside a UTF-8 character. */
function utf8Boundary(buf: Buffer, limit: number): number {
  let n = Math.min(limit, buf.length);
  if (n === buf.length) return n;
  // Step back over continuation bytes (10xxxxxx) to the start of the cut character.
  while (n > 0 && (buf[n]! & 0xc0) === 0x80) n--;
  return n;
}

/**
 * Keeps a job's stdout+stderr up to `maxBytes` in total (interleaved in arrival
 * order) and forwards the kept part as text. Later output is read and dropped,
 * so the job never blocks on a full pipe, and a note says where it was cut.
 */
export class OutputCollector {
  private readonly chunks: Buffer[] = [];
  private bytes = 0;
  private truncated = false;
  private readonly decoders = { stdout: new StringDecoder("utf8"), stderr: new StringDecoder("utf8") };

  constructor(
    private readonly maxBytes: number,
    private readonly onOutput?: (stream: OutputStream, text: string) => void,
  ) {}

  push(stream: OutputStream, chunk: Buffer): void {
    if (this.truncated) return;
    const room = this.maxBytes - this.bytes;
    let kept = chunk;
    if (chunk.length > room) {
      kept = chunk.subarray(0, utf8Boundary(chunk, room));
      this.truncated = true;
    }
    if (kept.length > 0) {
      this.chunks.push(kept);
      this.bytes += kept.length;
      // Live logs are text: never a raw NUL (the marketplace refuses it); the final report keeps the exact bytes.
      const text = withoutNul(this.decoders[stream].write(kept));
      if (text) this.onOutput?.(stream, text);
    }
    if (this.truncated) this.onOutput?.("stderr", truncationNote(this.maxBytes));
  }

  get isTruncated(): boolean {
    return this.truncated;
  }

  /** The kept output as text, plus its exact bytes in base64 when text alone cannot carry them. */
  finish(): { output: string; outputTruncated: boolean; outputBase64?: string } {
    let bytes = Buffer.concat(this.chunks);
    if (this.truncated) bytes = Buffer.concat([bytes, Buffer.from(truncationNote(this.maxBytes))]);
    if (isPlainText(bytes)) return { output: bytes.toString("utf8"), outputTruncated: this.truncated };
    return { output: displayText(bytes), outputTruncated: this.truncated, outputBase64: bytes.toString("base64") };
  }
}
