import { describe, it, expect } from "vitest";
import { compileExpr, type ExprContext } from "./expr.js";

const ctx: ExprContext = {
  slot: (p) => JSON.stringify(p).length,
  regex: (p) => (p.includes("(?=") ? "pattern `" + p + "` is not supported" : 0),
  glob: () => 1,
  stringSet: () => 2,
  namedSet: (n) => (n === "known" ? 3 : `unknown set \`sets.${n}\``),
};
const issue = (src: string) => {
  const r = compileExpr(src, ctx);
  return "issues" in r ? r.issues[0] : undefined;
};

describe("compileExpr", () => {
  it("accepts the supported subset of CEL", () => {
    for (const src of [
      'action.tool == "a" && !(action.args.x > 3) || action.port >= 443',
      'action.host in sets.known', 'action.tool in ["a", "b"]', '"pii" in action.labels', '"k" in action.args',
      'size(action.argv) > 1 && action.command.size() < 100', 'action.path.startsWith("/a") && action.url.endsWith("x") && action.query.contains("q")',
      'action.path.matches("^/data/")', 'glob(action.file, "/etc/**")', 'action.file.glob("*.txt")', 'has(action.args.x)',
      'action.args.n == null', 'action.args.flag ? action.args.a == 1 : false', 'action.argv[0] == "rm"', 'action.args["odd key"] == 1',
      'session.id == "s1"', 'action.usage.tokens > 10', 'action.args.n > -5',
    ]) {
      expect(compileExpr(src, ctx), src).toHaveProperty("ir");
    }
  });

  it("refuses what it does not support, with a message and an offset", () => {
    expect(issue("action.args.a + 1 > 2")).toMatchObject({ code: "unsupported", message: "`+` is not supported in conditions" });
    expect(issue('action.tool.lowerAscii() == "x"')).toMatchObject({ code: "unsupported" });
    expect(issue("[1, 2] == action.args.x")).toMatchObject({ message: "a list literal may only appear on the right of `in`" });
    expect(issue("foo == 1")).toMatchObject({ message: expect.stringContaining("unknown name `foo`") });
    expect(issue("session.labels == 1")).toMatchObject({ code: "unsupported" });
    expect(issue('action.tool.matches(action.args.p)')).toMatchObject({ offset: 20, message: expect.stringContaining("must be a string literal") });
    expect(issue('action.tool.matches("(?=x)")')).toMatchObject({ code: "invalid_pattern", offset: 20 });
    expect(issue("action.host in sets.nope")).toMatchObject({ message: "unknown set `sets.nope`" });
    // Names on Object.prototype are not fields.
    expect(issue('action.constructor == "x"')).toMatchObject({ message: expect.stringContaining("unknown field `action.constructor`") });
    expect(issue("has(action.toString)")).toMatchObject({ message: expect.stringContaining("unknown field `action.toString`") });
    expect(issue("action.tool ==")).toMatchObject({ code: "syntax_error" });
    expect(issue("9007199254740993 == action.args.n")).toMatchObject({ message: expect.stringContaining("too large") });
  });

  it("catches type errors it can see at load", () => {
    expect(issue('action.port == "80"')?.message).toBe("cannot compare a number with a string using `==`");
    expect(issue("action.tool > 3")?.message).toBe("cannot order a string against a number");
    expect(issue("size(action.port) > 1")?.message).toContain("`size` needs a string, list or map");
    expect(issue("action.tool")?.message).toBe("a condition must be a boolean, not a string");
    expect(issue("!action.tool")?.message).toBe("expected a boolean, found a string");
    expect(issue("action.argv == 1")?.message).toBe("cannot compare a list with a number using `==`");
    expect(issue("action.labels in action.labels")?.message).toContain("must be a single value");
    expect(issue("action.port in sets.known")?.message).toContain("sets hold strings");
    expect(issue("action.kind.x == 1")?.message).toContain("has no field");
    expect(issue("action.usage.money > 1")?.message).toContain("usage has `tokens` and `cost`");
  });
});
