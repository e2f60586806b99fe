// SHA-256 for the audit chain. The portable one is @noble/hashes, pure JS, so that a chain written in a
// browser hashes exactly as one written in Node; the Node entry registers Node's native hash
// (hash-node.ts), several times faster on a record-sized input, with the same digests.

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

// The runtime's own SHA-256, when its entry point registered one: Node's entry does (hash-node.ts), so
// that every chain and verifier there is fast without being told. Same digests; only speed differs.
let platform: HashHex | undefined;

/**
 * Registers the runtime's native SHA-256 as the one {@link sha256Hex} uses. Called by the Node entry
 * point on import; it must give exactly the digests of {@link pureSha256Hex}.
 *
 * @example
 * setPlatformSha256((text) => crypto.hash("sha256", text, "hex"));
 */
export function setPlatformSha256(fn: HashHex): void {
  platform = fn;
}

/**
 * SHA-256 of the UTF-8 bytes of `text`, lower-case hex: the runtime's native one where its entry point
 * registered it (Node), otherwise pure JS ({@link pureSha256Hex}) — the same digest either way.
 *
 * @example
 * sha256Hex("") // "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
 */
export function sha256Hex(text: string): string {
  return platform !== undefined ? platform(text) : pureSha256Hex(text);
}

/**
 * SHA-256 of the UTF-8 bytes of `text`, lower-case hex, in pure JS (@noble/hashes): the same in every
 * runtime.
 *
 * @example
 * pureSha256Hex("") // "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
 */
export function pureSha256Hex(text: string): string {
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

/**
 * A SHA-256 function over bytes, returning the 32-byte digest (a compiled policy's integrity digest).
 * Every implementation must give the same digest; only their speed differs.
 *
 * @example
 * const digest: Sha256Bytes = (bytes) => sha256(bytes);
 */
export type Sha256Bytes = (bytes: Uint8Array) => Uint8Array;

// As for text above: the runtime's own, when its entry point registered one. A compiled policy is read at
// cold start, where a JS SHA-256 over a 50 KB program runs interpreted and costs some 15 ms.
let platformBytes: Sha256Bytes | undefined;

/**
 * Registers the runtime's native SHA-256 over bytes, as {@link setPlatformSha256} does for text. Called by
 * the Node entry point on import; it must give exactly the digests of @noble/hashes' `sha256`.
 *
 * @example
 * setPlatformSha256Bytes((bytes) => createHash("sha256").update(bytes).digest());
 */
export function setPlatformSha256Bytes(fn: Sha256Bytes): void {
  platformBytes = fn;
}

/**
 * SHA-256 of `bytes`: the runtime's native one where its entry point registered it, otherwise pure JS.
 *
 * @example
 * sha256Bytes(new Uint8Array(0)).length // 32
 */
export function sha256Bytes(bytes: Uint8Array): Uint8Array {
  return platformBytes !== undefined ? platformBytes(bytes) : sha256(bytes);
}
