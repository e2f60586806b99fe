import { describe, expect, it } from "vitest";
import { bounded, escapeUnsafe, messageOf, quote } from "./text.js";

describe("escapeUnsafe", () => {
  it("escapes C0 and C1 controls, DEL, line separators and bidi controls", () => {
    expect(escapeUnsafe("a\nb\r\u001b[31m\u007f\u009b\u2028\u202e\u2066z")).toBe(
      "a\\u000ab\\u000d\\u001b[31m\\u007f\\u009b\\u2028\\u202e\\u2066z",
    );
  });
  it("leaves ordinary text, accents and emoji alone", () => {
    expect(escapeUnsafe("déploiement 🚀 — ok")).toBe("déploiement 🚀 — ok");
  });
});

describe("bounded and quote", () => {
  it("cut at 200 characters, marking the cut", () => {
    expect(bounded("x".repeat(200))).toBe("x".repeat(200));
    expect(bounded("x".repeat(201))).toBe(`${"x".repeat(200)}…`);
    expect(bounded("abcdef", 3)).toBe("abc…");
  });
  it("quote in backticks after escaping", () => {
    expect(quote("boom\n")).toBe("`boom\\u000a`");
  });
});

describe("messageOf", () => {
  it("reads errors, strings and primitives, and survives a hostile error", () => {
    const hostile = new Error("x");
    Object.defineProperty(hostile, "message", { get: () => { throw new Error("no"); } });
    expect([messageOf(new Error("boom")), messageOf("text"), messageOf(42), messageOf(undefined), messageOf({}), messageOf(hostile)]).toEqual([
      "boom",
      "text",
      "42",
      "undefined",
      "a value that is not an error",
      "an error whose message cannot be read",
    ]);
  });
  it("falls back to the error's name when it has no message", () => {
    expect(messageOf(new TypeError())).toBe("TypeError");
  });
});
