import { describe, expect, it } from "vitest";
import { canonicalisePath } from "./path.js";

describe("canonicalisePath", () => {
  it("normalises absolute paths", () => {
    expect(canonicalisePath("/etc//passwd")).toBe("/etc/passwd");
    expect(canonicalisePath("/a/./b/../c/")).toBe("/a/c");
    expect(canonicalisePath("///")).toBe("/");
    expect(canonicalisePath("/")).toBe("/");
  });

  it("never climbs above /", () => {
    expect(canonicalisePath("/../../../etc/shadow")).toBe("/etc/shadow");
    expect(canonicalisePath("/tmp/../../..")).toBe("/");
  });

  it("resolves relative paths against cwd (default /)", () => {
    expect(canonicalisePath("notes/./a.txt", { cwd: "/srv/app" })).toBe("/srv/app/notes/a.txt");
    expect(canonicalisePath("../../../../etc/passwd", { cwd: "/srv/app" })).toBe("/etc/passwd");
    expect(canonicalisePath("etc/passwd")).toBe("/etc/passwd");
    expect(canonicalisePath(".", { cwd: "/srv/app/" })).toBe("/srv/app");
    expect(canonicalisePath("", { cwd: "/srv" })).toBe("/srv");
  });

  it("normalises cwd and home themselves", () => {
    expect(canonicalisePath("x", { cwd: "srv//app/../data" })).toBe("/srv/data/x");
    expect(canonicalisePath("~/x", { home: "/home/agent/" })).toBe("/home/agent/x");
    expect(canonicalisePath("x", { cwd: "~/work", home: "/home/agent" })).toBe("/home/agent/work/x");
  });

  it("expands ~ to home (default /root)", () => {
    expect(canonicalisePath("~")).toBe("/root");
    expect(canonicalisePath("~/.ssh/id_rsa")).toBe("/root/.ssh/id_rsa");
    expect(canonicalisePath("~/../../etc/passwd", { home: "/home/agent" })).toBe("/etc/passwd");
    expect(canonicalisePath("~/.bashrc", { home: "/home/agent" })).toBe("/home/agent/.bashrc");
  });

  it("expands ~user to that user's home", () => {
    expect(canonicalisePath("~bob/.ssh/authorized_keys")).toBe("/home/bob/.ssh/authorized_keys");
    expect(canonicalisePath("~bob")).toBe("/home/bob");
    expect(canonicalisePath("~root/.ssh")).toBe("/root/.ssh");
    expect(canonicalisePath("~+/x", { cwd: "/srv" })).toBe("/srv/x");
  });

  it("only expands a leading ~", () => {
    expect(canonicalisePath("a/~/b", { cwd: "/w" })).toBe("/w/a/~/b");
    expect(canonicalisePath("/~/b")).toBe("/~/b");
  });

  it("drops everything after a NUL byte", () => {
    expect(canonicalisePath("/etc/passwd\u0000.png")).toBe("/etc/passwd");
    expect(canonicalisePath("/etc/passwd\u0000/../../tmp/ok")).toBe("/etc/passwd");
    expect(canonicalisePath("\u0000/etc", { cwd: "/srv" })).toBe("/srv");
  });

  it("converts file:// URLs to their decoded path", () => {
    expect(canonicalisePath("file:///etc/%70asswd")).toBe("/etc/passwd");
    expect(canonicalisePath("FILE://localhost/etc/passwd")).toBe("/etc/passwd");
    expect(canonicalisePath("file://evil.example/etc/passwd")).toBe("/etc/passwd");
    expect(canonicalisePath("file:///tmp/%2e%2e/etc/shadow")).toBe("/etc/shadow");
    expect(canonicalisePath("file:///tmp/..%2f..%2fetc/shadow")).toBe("/etc/shadow");
    expect(canonicalisePath("file:///etc/passwd%00.txt")).toBe("/etc/passwd");
    expect(canonicalisePath("file:///home/a%20b/%C3%A9")).toBe("/home/a b/é");
    expect(canonicalisePath("file:///etc/passwd?x#y")).toBe("/etc/passwd");
  });

  it("does not treat other schemes or a bare file: prefix inside a path as URLs", () => {
    expect(canonicalisePath("http://h/etc", { cwd: "/w" })).toBe("/w/http:/h/etc");
    expect(canonicalisePath("/x/file:///etc")).toBe("/x/file:/etc");
  });

  it("treats backslashes as ordinary characters", () => {
    expect(canonicalisePath("a\\..\\..\\etc", { cwd: "/w" })).toBe("/w/a\\..\\..\\etc");
    expect(canonicalisePath("/a/..\\b")).toBe("/a/..\\b");
  });

  it("does not decode percent-encoding in plain paths", () => {
    expect(canonicalisePath("/etc/%70asswd")).toBe("/etc/%70asswd");
  });

  it("never throws and reads non-strings as /", () => {
    expect(canonicalisePath(undefined as unknown as string)).toBe("/");
    expect(canonicalisePath(42 as unknown as string)).toBe("/");
    expect(canonicalisePath("x", { cwd: 5 as unknown as string })).toBe("/x");
    expect(() => canonicalisePath("file://[")).not.toThrow();
    expect(canonicalisePath("file://[/etc/%70asswd")).toBe("/etc/passwd");
  });

  it("handles long adversarial input quickly", () => {
    const start = Date.now();
    expect(canonicalisePath(`${"../".repeat(100_000)}etc`, { cwd: "/a/b" })).toBe("/etc");
    expect(Date.now() - start).toBeLessThan(1000);
  });
});

describe("canonicalisePath: /proc links", () => {
  it("reads /proc/self/root and /proc/<pid>/root as the root directory", () => {
    expect(canonicalisePath("/proc/self/root/etc/shadow")).toBe("/etc/shadow");
    expect(canonicalisePath("/proc/1/root/proc/self/root/root/.ssh/id_rsa")).toBe("/root/.ssh/id_rsa");
    expect(canonicalisePath("/proc/thread-self/root")).toBe("/");
  });

  it("reads /proc/self/cwd as the working directory", () => {
    expect(canonicalisePath("/proc/self/cwd/../etc/passwd", { cwd: "/srv/app" })).toBe("/srv/etc/passwd");
  });

  it("leaves other /proc paths alone", () => {
    expect(canonicalisePath("/proc/self/environ")).toBe("/proc/self/environ");
    expect(canonicalisePath("/proc/selfish/root/x")).toBe("/proc/selfish/root/x");
  });
});

describe("canonicalisePath: /proc links reached after `..` or through a task", () => {
  it("follows them wherever the walk reaches them", () => {
    expect(canonicalisePath("/../proc/self/root/etc/shadow")).toBe("/etc/shadow");
    expect(canonicalisePath("/tmp/../proc/self/root/etc/shadow")).toBe("/etc/shadow");
    expect(canonicalisePath("/proc/self/task/42/root/etc/shadow")).toBe("/etc/shadow");
    expect(canonicalisePath("/proc/1/task/7/cwd/x", { cwd: "/srv/app" })).toBe("/srv/app/x");
    expect(canonicalisePath("/proc/self/task/root/etc")).toBe("/proc/self/task/root/etc");
  });
});
