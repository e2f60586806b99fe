import { describe, expect, it } from "vitest";
import { oddString, rng } from "./audit.test-support.js";
import { pureSha256Hex, setPlatformSha256, sha256Hex } from "./hash.js";
import { nodeSha256Hex } from "./hash-node.js";

describe("nodeSha256Hex", () => {
  it("gives the pure-JS digest, for any text", () => {
    expect(nodeSha256Hex("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(pureSha256Hex("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    const r = rng(8);
    for (let i = 0; i < 2_000; i++) {
      const s = oddString(r, true).repeat(1 + (i % 40));
      expect(nodeSha256Hex(s)).toBe(pureSha256Hex(s));
    }
  });

  it("is the default once the Node entry is loaded", () => {
    // hash-node.ts registers itself on import (this file imports it): sha256Hex now calls it.
    let calls = 0;
    const text = "counted";
    const spy = (t: string) => (calls++, nodeSha256Hex(t));
    setPlatformSha256(spy);
    try {
      expect(sha256Hex(text)).toBe(pureSha256Hex(text));
      expect(calls).toBe(1);
    } finally {
      setPlatformSha256(nodeSha256Hex);
    }
  });
});
