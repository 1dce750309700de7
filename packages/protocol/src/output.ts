/**
 * Job output is bytes; the protocol and the database carry text. Text that
 * is valid UTF-8 without NUL goes as it is. Anything else (NUL, invalid
 * UTF-8) goes as base64 of the exact bytes (`outputBase64`), and everyone
 * shows it with the same substitutions: NUL as ␀, each invalid sequence as �.
 * Shared by the agent, the server and the UI (no Node-only APIs here).
 */
export const NUL_SHOWN_AS = "\u2400";

const decoder = new TextDecoder("utf-8", { fatal: false });
const encoder = new TextEncoder();

/** Text fit for display and for a PostgreSQL text column: never a raw NUL. */
export function displayText(bytes: Uint8Array): string {
  return withoutNul(decoder.decode(bytes));
}

export function withoutNul(text: string): string {
  return text.includes("\0") ? text.replace(/\0/g, NUL_SHOWN_AS) : text;
}

/** True when the bytes are valid UTF-8 without NUL: then the text alone carries them exactly. */
export function isPlainText(bytes: Uint8Array): boolean {
  if (bytes.includes(0)) return false;
  const roundTrip = encoder.encode(decoder.decode(bytes));
  if (roundTrip.length !== bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) if (roundTrip[i] !== bytes[i]) return false;
  return true;
}
