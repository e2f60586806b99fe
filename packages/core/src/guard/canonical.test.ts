import { describe, it, expect } from "vitest";
import { canonicalParts, InvalidAction } from "./canonical.js";

const all = new Set(["url", "host", "path", "program", "argv", "command", "line", "file", "statement", "verb", "tables"]);

describe("canonicalParts", () => {
  it("canonicalises URLs, overriding what the adapter set", () => {
    const [p] = canonicalParts({ kind: "http", session: "s", method: "delete", url: "HTTP://Evil.Example.:80/a/%2e%2e/data", host: "api.internal.example" }, all, {});
    expect(p).toMatchObject({ method: "DELETE", host: "evil.example", port: 80, path: "/data", url: "http://evil.example/a/%2e%2e/data".replace("/a/%2e%2e", "") });
  });
  it("normalises a bare host", () => {
    expect(canonicalParts({ kind: "http", session: "s", host: "0x7F.1" }, all, {})[0]?.host).toBe("127.0.0.1");
  });
  it("splits a shell line into parts with the raw line on each", () => {
    const parts = canonicalParts({ kind: "shell", session: "s", command: "ls -la && sudo '/bin/rm' -rf /" }, all, {});
    expect(parts.map((p) => [p.program, p.command, p.line])).toEqual([
      ["ls", "ls -la", "ls -la && sudo '/bin/rm' -rf /"],
      ["rm", "/bin/rm -rf /", "ls -la && sudo '/bin/rm' -rf /"],
    ]);
  });
  it("splits a SQL batch into statements", () => {
    const parts = canonicalParts({ kind: "db", session: "s", statement: "select 1; DROP/**/TABLE Users" }, all, {});
    expect(parts.map((p) => [p.verb, p.statement, p.tables])).toEqual([["SELECT", "select 1", []], ["DROP", "DROP TABLE Users", ["users"]]]);
  });
  it("resolves file paths against the action's cwd, then the guard's", () => {
    expect(canonicalParts({ kind: "fs.read", session: "s", file: "../etc/passwd", cwd: "/srv/app" }, all, {})[0]?.file).toBe("/srv/etc/passwd");
    expect(canonicalParts({ kind: "fs.read", session: "s", file: "x/../.ssh/id_rsa" }, all, { cwd: "/home/u" })[0]?.file).toBe("/home/u/.ssh/id_rsa");
    expect(canonicalParts({ kind: "fs.read", session: "s", file: "~/.aws/credentials" }, all, { home: "/home/u" })[0]?.file).toBe("/home/u/.aws/credentials");
  });
  it("leaves shell lines whole when the policy reads no shell field", () => {
    expect(canonicalParts({ kind: "shell", session: "s", command: "a; b; c" }, new Set(["kind"]), {})).toHaveLength(1);
  });
  it("refuses what it cannot decide", () => {
    const bad = [
      { kind: "http", session: "s", url: "http://" },
      { kind: "shell", session: "s", command: 7 },
      { kind: "shell", session: "s", command: Array.from({ length: 65 }, (_, i) => `echo ${i}`).join("; ") },
    ];
    for (const a of bad) expect(() => canonicalParts(a, all, {}), JSON.stringify(a).slice(0, 60)).toThrow(InvalidAction);
  });
});
