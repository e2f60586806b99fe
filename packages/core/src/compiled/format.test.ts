import { describe, expect, it } from "vitest";
import { sha256 } from "@noble/hashes/sha2.js";
import { createGuard } from "../guard/guard.js";
import { loadPolicy } from "../policy/load.js";
import { CompiledPolicyError } from "../errors.js";
import { ENGINE_SHA256 } from "../engine/wasm-binary.js";
import { COMPILED_LAYOUT_VERSION, loadCompiledPolicy, precompilePolicy } from "./format.js";
import { sha256Bytes, setPlatformSha256Bytes } from "../audit/hash.js";

const SOURCE = `version: 1
name: compiled
default: deny
sets:
  hosts: [api.example, "*.cdn.example"]
rules:
  - id: read
    when: action.tool in ["read", "list"] && action.args.path.matches("^/srv/")
    effect: allow
  - id: api
    when: action.host in sets.hosts
    effect: allow
    reason: the api and its cdn
  - id: shell
    when: action.kind == "shell"
    effect: allow
sequences:
  - id: shell-then-egress
    steps: [{ when: 'action.kind == "shell"' }, { when: 'action.kind == "http"' }]
    effect: deny
outputs:
  - id: keys
    redact: ["sk-[a-z0-9]{8}"]
    replacement: "[key]"
`;

const compiled = (text = SOURCE): Uint8Array => {
  const r = precompilePolicy(text);
  if (!r.compiled) throw new Error(JSON.stringify(r.errors));
  return r.compiled;
};

/** The file's parts, to write altered files that still carry a valid digest. */
function parts(bytes: Uint8Array) {
  const headerBytes = new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + headerBytes))) as Record<string, unknown> & { policy: Record<string, unknown> };
  return { header, program: bytes.slice(12 + headerBytes, bytes.length - 32) };
}
function rebuild(header: object, program: Uint8Array, version = 1): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(12 + json.length + program.length + 32);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0x50434754, true);
  view.setUint32(4, version, true);
  view.setUint32(8, json.length, true);
  out.set(json, 12);
  out.set(program, 12 + json.length);
  out.set(sha256(out.subarray(0, out.length - 32)), out.length - 32);
  return out;
}
const refusal = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(CompiledPolicyError);
    return { code: (e as CompiledPolicyError).code, message: (e as Error).message };
  }
  throw new Error("the file was accepted");
};

describe("precompilePolicy and loadCompiledPolicy", () => {
  it("give back the policy loadPolicy gives", () => {
    const policy = loadCompiledPolicy(compiled(), { source: SOURCE });
    expect(policy).toEqual(loadPolicy(SOURCE).policy);
    expect(policy.reads).toBeInstanceOf(Set);
  });

  it("make a guard that decides and redacts as one from the text", async () => {
    const fromFile = await createGuard({ policy: loadCompiledPolicy(compiled()) });
    const fromText = await createGuard({ policy: SOURCE });
    const actions = [
      { kind: "tool", session: "s", tool: "read", args: { path: "/srv/a" } },
      { kind: "tool", session: "s", tool: "read", args: { path: "/etc/a" } },
      { kind: "http", session: "s", method: "GET", url: "https://x.cdn.example/" },
      { kind: "shell", session: "s", command: "ls" },
      { kind: "http", session: "s", method: "GET", url: "https://api.example/" },
    ] as const;
    const decisions = (g: Awaited<ReturnType<typeof createGuard>>) => actions.map((a) => g.check({ ...a, args: "args" in a ? { ...a.args } : undefined }));
    const expected = decisions(fromText);
    expect(expected.map((d) => d.effect)).toEqual(["allow", "deny", "allow", "allow", "deny"]);
    expect(expected[4]?.rule).toBe("shell-then-egress");
    expect(decisions(fromFile)).toEqual(expected);
    const output = "token sk-abcd1234 here";
    expect(fromFile.recordResult({ session: "s2", tool: "read", output })).toEqual(fromText.recordResult({ session: "s2", tool: "read", output }));
  });

  it("returns the load problems and no file for a policy that does not load", () => {
    const r = precompilePolicy("version: 1\ndefault: deny\nrules:\n  - id: a\n    when: action.tol == 1\n    effect: allow\n");
    expect(r.compiled).toBeUndefined();
    expect(r.errors).toMatchObject([{ line: 5, column: 11, message: expect.stringContaining("unknown field `action.tol`") }]);
  });

  it("copies the program out of the caller's buffer, a Node Buffer included", () => {
    const buffer = Buffer.from(compiled());
    const policy = loadCompiledPolicy(buffer);
    const before = Uint8Array.from(policy.program);
    buffer.fill(0);
    expect(policy.program).toEqual(before);
    expect(Buffer.isBuffer(policy.program)).toBe(false);
  });

  it("writes the same bytes for the same text", () => {
    expect(compiled()).toEqual(compiled());
  });
});

describe("loadCompiledPolicy refuses", () => {
  it("what is not a compiled policy", () => {
    expect(refusal(() => loadCompiledPolicy(new TextEncoder().encode(SOURCE)))).toEqual({ code: "compiled_corrupt", message: "corrupt compiled policy: not a compiled trailguard policy (no `TGCP` at its start)" });
    expect(refusal(() => loadCompiledPolicy(new Uint8Array(10)))).toMatchObject({ code: "compiled_corrupt", message: expect.stringContaining("too short") });
    expect(refusal(() => loadCompiledPolicy("TGCP" as unknown as Uint8Array))).toMatchObject({ code: "compiled_corrupt" });
  });

  it("a file altered anywhere, or truncated", () => {
    const good = compiled();
    // One flipped bit in the header, in the program, in the digest; then a cut.
    for (const at of [20, good.length - 100, good.length - 1]) {
      const bad = good.slice();
      bad[at] = (bad[at] ?? 0) ^ 1;
      expect(refusal(() => loadCompiledPolicy(bad))).toMatchObject({ code: "compiled_corrupt", message: expect.stringContaining("SHA-256 does not match") });
    }
    expect(refusal(() => loadCompiledPolicy(good.subarray(0, good.length - 8)))).toMatchObject({ code: "compiled_corrupt" });
  });

  it("a file of another format version", () => {
    const { header, program } = parts(compiled());
    expect(refusal(() => loadCompiledPolicy(rebuild(header, program, 2)))).toEqual({
      code: "compiled_version",
      message: "the file is in compiled format 2; this trailguard reads format 1: compile the policy again",
    });
  });

  it("a file for another engine or another layout", () => {
    const { header, program } = parts(compiled());
    const other = { ...header, engine: "0".repeat(64) };
    expect(refusal(() => loadCompiledPolicy(rebuild(other, program)))).toMatchObject({ code: "compiled_version", message: expect.stringContaining(`this trailguard runs engine \`${ENGINE_SHA256.slice(0, 12)}…\``) });
    expect(refusal(() => loadCompiledPolicy(rebuild({ ...header, layout: COMPILED_LAYOUT_VERSION + 1 }, program)))).toMatchObject({ code: "compiled_version" });
  });

  it("a file compiled from other text than the source given", () => {
    const file = compiled();
    expect(refusal(() => loadCompiledPolicy(file, { source: SOURCE.replace("effect: allow", "effect: deny") }))).toEqual({
      code: "compiled_mismatch",
      message: "the file was compiled from another policy text than the one given: compile the policy again",
    });
    // Even a change that compiles to the same program: the file is bound to the text.
    expect(refusal(() => loadCompiledPolicy(file, { source: `${SOURCE}\n` }))).toMatchObject({ code: "compiled_mismatch" });
    expect(loadCompiledPolicy(file, { source: SOURCE }).hash).toBe(loadPolicy(SOURCE).policy?.hash);
  });

  it("a host part that is malformed or disagrees with the program, even with a valid digest", () => {
    const { header, program } = parts(compiled());
    const withPolicy = (patch: Record<string, unknown>) => rebuild({ ...header, policy: { ...header.policy, ...patch } }, program);
    expect(refusal(() => loadCompiledPolicy(withPolicy({ rules: "all" })))).toEqual({ code: "compiled_corrupt", message: "corrupt compiled policy: its policy part is malformed: `policy.rules` is not a list" });
    expect(refusal(() => loadCompiledPolicy(withPolicy({ default: "maybe" })))).toMatchObject({ message: expect.stringContaining("`policy.default` is not one of allow, deny") });
    expect(refusal(() => loadCompiledPolicy(withPolicy({ hash: "x" })))).toMatchObject({ message: expect.stringContaining("`policy.hash` is not a SHA-256") });
    const rules = header.policy.rules as unknown[];
    expect(refusal(() => loadCompiledPolicy(withPolicy({ rules: rules.slice(1) })))).toEqual({ code: "compiled_corrupt", message: `corrupt compiled policy: its program does not match its policy part: the program has ${rules.length} rules, the policy part names ${rules.length - 1}` });
    expect(refusal(() => loadCompiledPolicy(withPolicy({ default: "allow" })))).toMatchObject({ message: expect.stringContaining("the program's default is not `allow`") });
    expect(refusal(() => loadCompiledPolicy(withPolicy({ mode: "shadow" })))).toMatchObject({ message: expect.stringContaining("the program's mode is not `shadow`") });
    expect(refusal(() => loadCompiledPolicy(rebuild({ ...header, programBytes: 1 }, program)))).toMatchObject({ message: expect.stringContaining("program length") });
    const noMagic = program.slice();
    noMagic[0] = 0;
    expect(refusal(() => loadCompiledPolicy(rebuild(header, noMagic)))).toMatchObject({ message: expect.stringContaining("`TWP1`") });
  });

  it("a list of read fields that disagrees with the slots, even with a valid digest", () => {
    // Without `program` in the list the guard would not split `ls && rm -rf /` into its commands.
    const text = "version: 1\ndefault: allow\nrules:\n  - id: no-rm\n    when: action.program == \"rm\"\n    effect: deny\n";
    const { header, program } = parts(compiled(text));
    const reads = (header.policy.reads as string[]).filter((f) => f !== "program");
    const file = rebuild({ ...header, policy: { ...header.policy, reads } }, program);
    expect(refusal(() => loadCompiledPolicy(file, { source: text }))).toEqual({ code: "compiled_corrupt", message: "corrupt compiled policy: its list of the fields it reads does not match its slots" });
  });

  it("a file compiled with other built-in packs", () => {
    const { header, program } = parts(compiled());
    const file = rebuild({ ...header, packs: "0".repeat(64) }, program);
    expect(refusal(() => loadCompiledPolicy(file))).toMatchObject({ code: "compiled_version", message: expect.stringContaining("other built-in packs") });
  });

  it("a header that is not JSON", () => {
    const { program } = parts(compiled());
    const file = rebuild({}, program);
    // Replace the `{}` header by two bytes that are not JSON and digest again.
    file.set(new TextEncoder().encode("{x"), 12);
    file.set(sha256(file.subarray(0, file.length - 32)), file.length - 32);
    expect(refusal(() => loadCompiledPolicy(file))).toMatchObject({ code: "compiled_corrupt", message: expect.stringContaining("its header is not JSON") });
  });
});

describe("sha256Bytes", () => {
  it("uses a registered platform hash, which must agree with the pure one", () => {
    const bytes = new TextEncoder().encode("abc");
    const pure = sha256(bytes);
    let calls = 0;
    setPlatformSha256Bytes((b) => {
      calls++;
      return sha256(b);
    });
    expect(sha256Bytes(bytes)).toEqual(pure);
    expect(calls).toBe(1);
  });
});
