// SHA-256 over bytes, for the integrity digest of a compiled policy. The portable one is @noble/hashes;
// the Node entry registers Node's native hash (digest-node.ts): a compiled policy is read at cold start,
// where a JS SHA-256 over a 50 KB program runs interpreted and costs some 15 ms, Node's well under 1 ms.

import { sha256 } from "@noble/hashes/sha2.js";

/**
 * A SHA-256 function over bytes, returning the 32-byte digest. Every implementation must give the same
 * digest; only their speed differs.
 *
 * @example
 * const digest: Sha256Bytes = (bytes) => sha256(bytes);
 */
export type Sha256Bytes = (bytes: Uint8Array) => Uint8Array;

let platform: Sha256Bytes | undefined;

/**
 * Registers the runtime's native SHA-256 over bytes. Called by the Node entry point on import; it must
 * give exactly the digests of @noble/hashes' `sha256`.
 *
 * @example
 * setPlatformSha256Bytes((bytes) => createHash("sha256").update(bytes).digest());
 */
export function setPlatformSha256Bytes(fn: Sha256Bytes): void {
  platform = fn;
}

/**
 * SHA-256 of `bytes`: the runtime's native one where its entry point registered it, otherwise pure JS.
 *
 * @example
 * sha256Bytes(new Uint8Array(0)).length // 32
 */
export function sha256Bytes(bytes: Uint8Array): Uint8Array {
  return platform !== undefined ? platform(bytes) : sha256(bytes);
}
