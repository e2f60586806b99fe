// Plain regression tests for discrepancies the property and parity tests found, each with its minimal
// counterexample.
import { describe, it, expect, vi, afterEach } from "vitest";
import { canonicaliseUrl } from "@trailguard/core";

describe("found by the Node/Chromium corpus parity test", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("a host with a space is refused even where the platform's URL accepts it (Chromium)", () => {
    // Chromium's `new URL("http://exa mple.com/")` answers host `exa%20mple.com`, where Node's throws: the
    // canonical form must not depend on the platform's parser, or the browser lets through what Node denies.
    class ChromiumLikeUrl {
      readonly protocol = "http:";
      readonly hostname = "exa%20mple.com";
      readonly port = "";
      readonly pathname = "/";
      readonly search = "";
      readonly href = "http://exa%20mple.com/";
      constructor(input: string) {
        if (input !== "http://exa mple.com/") throw new TypeError("this stand-in parses only the counterexample");
      }
    }
    vi.stubGlobal("URL", ChromiumLikeUrl);
    expect(canonicaliseUrl("http://exa mple.com/")).toEqual({ ok: false, error: "invalid url `http://exa mple.com/`" });
  });
});
