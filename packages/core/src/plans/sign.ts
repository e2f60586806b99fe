// Plan signatures: Ed25519 (@noble/ed25519, the same code in Node and browsers) over the plan's
// canonical JSON (RFC 8785), so that formatting and key order never change what was signed.

import canonicalize from "canonicalize";
import { ed, fromBase64, KEY_PREFIX as PREFIX, toBase64 } from "./ed25519.js";

function message(plan: unknown): Uint8Array {
  return new TextEncoder().encode(canonicalize(plan) ?? "");
}

/**
 * A new key pair: the public key as the policy lists it (`ed25519:BASE64`) and the secret key (base64).
 *
 * @example
 * const { publicKey, secretKey } = generatePlanKey();
 */
export function generatePlanKey(): { publicKey: string; secretKey: string } {
  const { secretKey, publicKey } = ed.keygen();
  return { publicKey: PREFIX + toBase64(publicKey), secretKey: toBase64(secretKey) };
}

/**
 * Signs a plan with a secret key (base64); returns the signature (base64).
 *
 * @example
 * const signature = signPlan(plan, secretKey);
 */
export function signPlan(plan: unknown, secretKey: string): string {
  const key = fromBase64(secretKey.trim());
  if (!key || key.length !== 32) throw new TypeError("a plan signing key is 32 bytes, base64");
  return toBase64(ed.sign(message(plan), key));
}

/**
 * Whether `signature` (base64) is a valid signature of `plan` by one of `keys` (`ed25519:BASE64`).
 * Never throws: anything malformed is simply not valid.
 *
 * @example
 * if (!verifyPlan(plan, signature, policy.plans.keys)) refuse();
 */
export function verifyPlan(plan: unknown, signature: string, keys: readonly string[]): boolean {
  const sig = typeof signature === "string" ? fromBase64(signature.trim()) : undefined;
  if (!sig || sig.length !== 64) return false;
  const msg = message(plan);
  return keys.some((k) => {
    const pub = k.startsWith(PREFIX) ? fromBase64(k.slice(PREFIX.length)) : undefined;
    if (!pub || pub.length !== 32) return false;
    try {
      return ed.verify(sig, msg, pub);
    } catch {
      return false;
    }
  });
}

/** Whether a policy key is well-formed (`ed25519:` and 32 bytes of base64). */
export function isPlanKey(k: unknown): boolean {
  return typeof k === "string" && k.startsWith(PREFIX) && fromBase64(k.slice(PREFIX.length))?.length === 32;
}
