import { describe, it, expect } from "vitest";
import { inputLimit, inputProblem, utf8Bytes, DEFAULT_MAX_INPUT_BYTES } from "./input-bounds.js";

// Units of every UTF-8 width, and both halves of a pair on their own.
const UNITS = ["a", "\u007f", "\u0080", "é", "\u07ff", "\u0800", "日", "\uffff", "😀", "\u{10FFFF}"];
const LONE = ["\ud800", "\udbff", "\udc00", "\udfff"];

describe("utf8Bytes", () => {
  it("agrees with TextEncoder on well-formed strings, short and long (the native path)", () => {
    const enc = new TextEncoder();
    // A fixed linear congruential sequence: many mixtures, the same on every run.
    let seed = 12345;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (const length of [0, 1, 5, 255, 256, 300, 4000]) {
      for (let round = 0; round < 20; round++) {
        let s = "";
        while (s.length < length) s += UNITS[next() % UNITS.length];
        expect(utf8Bytes(s), JSON.stringify(s.slice(0, 20))).toBe(enc.encode(s).length);
      }
    }
    expect(utf8Bytes("a".repeat(1000))).toBe(1000);
  });

  it("is -1 for a lone surrogate anywhere, short or long", () => {
    for (const lone of LONE) {
      for (const pad of ["", "x".repeat(300), "é".repeat(300)]) {
        expect(utf8Bytes(`${pad}${lone}`)).toBe(-1);
        expect(utf8Bytes(`${lone}${pad}`)).toBe(-1);
        expect(utf8Bytes(`${pad}${lone}x${pad}`)).toBe(-1);
      }
    }
    // A pair in the wrong order is two lone halves.
    expect(utf8Bytes("\ude00\ud83d")).toBe(-1);
  });
});

describe("inputProblem", () => {
  it("names the outermost object of a cycle", () => {
    const o: Record<string, unknown> = {};
    o.self = { back: o };
    expect(inputProblem({ args: { list: [o] } }, DEFAULT_MAX_INPUT_BYTES)?.message).toBe("`args.list[0]` refers to itself (a cycle), which JSON cannot hold");
  });

  it("shortens a deep path to its start and its end", () => {
    let v: unknown = 1;
    for (let i = 0; i < 200; i++) v = { k: v };
    expect(inputProblem({ args: v }, DEFAULT_MAX_INPUT_BYTES)?.message).toBe("`args.k.k.k.….k.k.k` nests deeper than 128 levels");
  });

  it("refuses a list or an object too large to be worth reading, without reading it", () => {
    let read = 0;
    const tracked = new Proxy([] as unknown[], { get: (t, k) => (k === "length" ? 1_000_000 : (read++, Reflect.get(t, k))) });
    expect(inputProblem({ args: { tracked } }, 1000)).toMatchObject({ tooLarge: true });
    expect(read).toBe(0);
  });
});

describe("inputLimit", () => {
  it("defaults to 4 MiB and takes any finite positive number", () => {
    expect(inputLimit(undefined)).toBe(4 * 1024 * 1024);
    expect(inputLimit(1)).toBe(1);
    expect(() => inputLimit("5" as unknown as number)).toThrow(TypeError);
  });
});
