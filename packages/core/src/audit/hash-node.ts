// Node's native SHA-256 for the audit chain: the same digest as the pure-JS default, at a fraction of the
// cost for a record-sized input (measured in docs/audit.md). Node-only: never imported by browser code.

import * as crypto from "node:crypto";
import { setPlatformSha256, setPlatformSha256Bytes, type HashHex } from "./hash.js";

// `crypto.hash` (Node ≥ 20.12) is a one-shot digest without a Hash object: about half the cost of
// `createHash` for a few hundred bytes.
const oneShot = (crypto as { hash?: (algorithm: string, data: string, encoding: "hex") => string }).hash;

/**
 * SHA-256 of the UTF-8 bytes of `text`, lower-case hex, with Node's crypto. Pass it as the chain's and
 * the verifier's `hash` option in Node.
 *
 * @example
 * const chain = new AuditChain({ sinks: [fileSink({ path: "audit.jsonl" })], hash: nodeSha256Hex });
 */
export const nodeSha256Hex: HashHex =
  typeof oneShot === "function"
    ? (text) => oneShot("sha256", text, "hex")
    : (text) => crypto.createHash("sha256").update(text, "utf8").digest("hex");

// Importing the Node entry makes the native hash the default (sha256Hex): same digests, several times faster.
setPlatformSha256(nodeSha256Hex);
// And over bytes, for compiled policies' digests (compiled/format.ts).
setPlatformSha256Bytes((bytes) => new Uint8Array(crypto.createHash("sha256").update(bytes).digest()));
