// Ed25519 as trailguard uses it for plans and audit checkpoints: @noble/ed25519 wired to @noble/hashes'
// SHA-512 (the same code in Node and browsers), keys written `ed25519:BASE64`, signatures as base64.

import * as ed from "@noble/ed25519";
import { sha512 } from "@noble/hashes/sha2.js";

ed.hashes.sha512 = sha512;

export { ed };

/** The prefix of a public key written as text: `ed25519:` and 32 bytes of base64. */
export const KEY_PREFIX = "ed25519:";

/**
 * Base64 of bytes (btoa, available in Node and browsers).
 *
 * @example
 * toBase64(new Uint8Array([1, 2])) // "AQI="
 */
export function toBase64(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += String.fromCharCode(x);
  return btoa(s);
}

/**
 * The bytes of base64 text, or undefined for text that is not base64.
 *
 * @example
 * fromBase64("AQI=") // Uint8Array [1, 2]
 */
export function fromBase64(s: string): Uint8Array | undefined {
  try {
    return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}
