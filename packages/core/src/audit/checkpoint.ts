// Signed checkpoints: Ed25519 (plans/ed25519.ts: @noble/ed25519, the same code in Node and browsers,
// as for plans) over the UTF-8 bytes of the head hash. A hash chain alone
// can be recomputed by whoever can write the log; a signature by a key kept elsewhere cannot.

import { bytesToHex, hexToBytes } from "@noble/hashes/utils.js";
import { ed, fromBase64, KEY_PREFIX as PREFIX, toBase64 } from "../plans/ed25519.js";
import type { CheckpointEvent } from "./record.js";

// Ed25519 sizes (RFC 8032): 32-byte seeds and public keys, 64-byte signatures.
const KEY_BYTES = 32;
const SIGNATURE_BYTES = 64;

/**
 * Signs chain heads with one Ed25519 key: `sign(head)` is the `event` of a checkpoint record.
 *
 * @example
 * const signer = checkpointSigner({ privateKey: seed, key: "audit-2026" });
 * signer.sign(record.hash) // { head, signature, key: "audit-2026" }
 */
export interface CheckpointSigner {
  /** The key's name in checkpoints: the given id, or the public key in hex. */
  readonly key: string;
  /** The public key, hex (what a verifier is given). */
  readonly publicKey: string;
  sign(head: string): CheckpointEvent;
}

/**
 * A signer for a 32-byte Ed25519 seed. Throws a TypeError for a key of another size.
 *
 * @example
 * const { secretKey } = ed.keygen(); const signer = checkpointSigner({ privateKey: secretKey });
 */
export function checkpointSigner(options: { privateKey: Uint8Array; key?: string }): CheckpointSigner {
  const seed = options.privateKey;
  if (!(seed instanceof Uint8Array) || seed.length !== KEY_BYTES) throw new TypeError("a checkpoint private key is a 32-byte Ed25519 seed");
  // Copied: a caller zeroing or reusing its buffer must not change the key the chain signs with.
  const secret = Uint8Array.from(seed);
  const publicKey = bytesToHex(ed.getPublicKey(secret));
  const key = options.key ?? publicKey;
  return {
    key,
    publicKey,
    // Keys in RFC 8785 order: the chain serialises checkpoint records with JSON.stringify.
    sign: (head) => ({ head, key, signature: toBase64(ed.sign(new TextEncoder().encode(head), secret)) }),
  };
}

/**
 * The public key (hex) of an Ed25519 seed: what to give `verifyChain` as `publicKeys`.
 *
 * @example
 * verifyChain(lines, { publicKeys: [auditPublicKey(seed)] });
 */
export function auditPublicKey(privateKey: Uint8Array): string {
  return checkpointSigner({ privateKey }).publicKey;
}

/**
 * A public key as bytes, from 64 hex digits, `ed25519:BASE64` (as policies write plan keys) or 32 bytes.
 * Throws a TypeError for anything else.
 *
 * @example
 * parsePublicKey("ed25519:Jx3…=") // Uint8Array(32)
 */
export function parsePublicKey(k: Uint8Array | string): Uint8Array {
  let bytes: Uint8Array | undefined;
  if (k instanceof Uint8Array) bytes = k;
  else if (typeof k === "string" && /^[0-9a-fA-F]{64}$/.test(k)) bytes = hexToBytes(k.toLowerCase());
  else if (typeof k === "string" && k.startsWith(PREFIX)) bytes = fromBase64(k.slice(PREFIX.length));
  if (bytes === undefined || bytes.length !== KEY_BYTES) {
    throw new TypeError(`\`${String(k).slice(0, 80)}\` is not an Ed25519 public key (64 hex digits or \`ed25519:BASE64\`)`);
  }
  return bytes;
}

/**
 * Whether a checkpoint's signature over its head verifies under one of `publicKeys`. Never throws:
 * anything malformed is simply not valid.
 *
 * @example
 * if (!verifyCheckpoint(record.event, [parsePublicKey(hex)])) alarm();
 */
export function verifyCheckpoint(event: CheckpointEvent, publicKeys: readonly Uint8Array[]): boolean {
  const sig = typeof event.signature === "string" ? fromBase64(event.signature) : undefined;
  if (sig === undefined || sig.length !== SIGNATURE_BYTES || typeof event.head !== "string") return false;
  const msg = new TextEncoder().encode(event.head);
  return publicKeys.some((pub) => {
    try {
      return ed.verify(sig, msg, pub);
    } catch {
      return false;
    }
  });
}
