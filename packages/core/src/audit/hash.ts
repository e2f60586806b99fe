// SHA-256 for the audit chain. The default is @noble/hashes, pure JS, so that a chain written in a
// browser hashes exactly as one written in Node; Node callers may inject the native hash
// (`nodeSha256Hex` in hash-node.ts), several times faster on a record-sized input.

import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import { canonicalJson } from "./canonical.js";

/**
 * A SHA-256 function: the lower-case hex digest of the UTF-8 bytes of `text`. Every implementation must
 * give the same digest; only their speed differs.
 *
 * @example
 * const hash: HashHex = sha256Hex;
 */
export type HashHex = (text: string) => string;

/**
 * SHA-256 of the UTF-8 bytes of `text`, lower-case hex (pure JS, the same in every runtime).
 *
 * @example
 * sha256Hex("") // "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
 */
export function sha256Hex(text: string): string {
  return bytesToHex(sha256(utf8ToBytes(text)));
}

/**
 * SHA-256 (hex) of a value's canonical JSON (RFC 8785, see `canonicalJson`): the `args_hash`, `input`
 * and `output_hash` of audit records. `hash` replaces the default SHA-256 implementation.
 *
 * @example
 * canonicalHash({ b: 1, a: 2 }) === canonicalHash({ a: 2, b: 1 }) // true
 */
export function canonicalHash(value: unknown, hash: HashHex = sha256Hex): string {
  return hash(canonicalJson(value));
}
