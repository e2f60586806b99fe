import * as ed from "@noble/ed25519";
import { describe, expect, it } from "vitest";
import { hex } from "./audit.test-support.js";
import { auditPublicKey, checkpointSigner, parsePublicKey, verifyCheckpoint } from "./checkpoint.js";

const SEED = new Uint8Array(32).fill(9);

describe("checkpoint signatures", () => {
  it("sign the UTF-8 bytes of the head with Ed25519", () => {
    const signer = checkpointSigner({ privateKey: SEED });
    const e = signer.sign(hex("a"));
    expect(e.head).toBe(hex("a"));
    expect(e.key).toBe(signer.publicKey);
    expect(signer.publicKey).toBe(auditPublicKey(SEED));
    const sig = Uint8Array.from(atob(e.signature), (c) => c.charCodeAt(0));
    expect(ed.verify(sig, new TextEncoder().encode(hex("a")), parsePublicKey(signer.publicKey))).toBe(true);
  });

  it("verify under one of several keys, and not under others or for another head", () => {
    const e = checkpointSigner({ privateKey: SEED, key: "k" }).sign(hex("a"));
    const mine = parsePublicKey(auditPublicKey(SEED));
    const other = parsePublicKey(auditPublicKey(new Uint8Array(32).fill(1)));
    expect(verifyCheckpoint(e, [other, mine])).toBe(true);
    expect(verifyCheckpoint(e, [other])).toBe(false);
    expect(verifyCheckpoint({ ...e, head: hex("b") }, [mine])).toBe(false);
    expect(verifyCheckpoint({ ...e, signature: "not base64!" }, [mine])).toBe(false);
    expect(verifyCheckpoint({ ...e, signature: btoa("short") }, [mine])).toBe(false);
  });

  it("keep their own copy of the key", () => {
    const seed = Uint8Array.from(SEED);
    const signer = checkpointSigner({ privateKey: seed });
    seed.fill(0);
    expect(verifyCheckpoint(signer.sign(hex("c")), [parsePublicKey(auditPublicKey(SEED))])).toBe(true);
  });
});
