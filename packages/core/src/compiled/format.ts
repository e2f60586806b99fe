// The precompiled policy: a compiled policy written to bytes once (`trailguard compile`), so that a
// process starts its guard without parsing YAML or compiling conditions. The file binds itself to the
// engine it was compiled for and to the policy text it was compiled from, and carries a SHA-256 of its
// own bytes; a loader refuses, with a code, anything corrupt, from another engine or format, or (when
// given the text) compiled from other text. docs/compiled.md describes the layout.

import { ENGINE_SHA256 } from "../engine/wasm-binary.js";
import { sha256Bytes, sha256Hex } from "../audit/hash.js";
import { CompiledPolicyError } from "../errors.js";
import { loadPolicy } from "../policy/load.js";
import { ESSENTIAL } from "../packs/essential.js";
import { HEURISTICS } from "../packs/heuristics.js";
import type { PolicyIssue } from "../policy/issues.js";
import type { CompiledPolicy } from "../compile/compile.js";
import { checkProgramAgrees, readHostInfo, type HostInfo } from "./shape.js";

/** `TGCP`, little-endian: the first four bytes of every compiled policy file. */
const MAGIC = 0x50434754;
/** The container layout below; a file of another version is refused, never read on a guess. */
export const COMPILED_FORMAT_VERSION = 1;
/**
 * The layout of the host's part (`HostInfo`). Bump it with any change to `CompiledPolicy` or to what the
 * compiler puts in it, so that files written before the change are refused rather than misread.
 */
export const COMPILED_LAYOUT_VERSION = 1;
/** Magic, container version, header length: three u32. */
const PREFIX_BYTES = 12;
/** The trailing SHA-256 of everything before it. */
const DIGEST_BYTES = 32;

/** The JSON header between the prefix and the program. */
interface Header {
  /** SHA-256 (hex) of the engine the program was compiled for (`ENGINE_SHA256`). */
  engine: string;
  layout: number;
  /** SHA-256 (hex) of the UTF-8 policy text the file was compiled from. */
  source: string;
  /** SHA-256 (hex) of the built-in packs compiled into it (`essential`, `heuristics`): see {@link packsSha256}. */
  packs: string;
  programBytes: number;
  policy: HostInfo;
}

let packs: string | undefined;

// The built-in packs are compiled into every file that extends them, and they change between releases
// without the engine changing: a file compiled with older packs would keep enforcing the older rules.
// Bound to their hash, such a file is refused (`compiled_version`) instead. Computed once, when needed.
function packsSha256(): string {
  return (packs ??= sha256Hex(JSON.stringify([ESSENTIAL, HEURISTICS])));
}

/** What {@link precompilePolicy} returns: the file's bytes only when the policy loads. */
export interface PrecompileResult {
  compiled?: Uint8Array;
  errors: PolicyIssue[];
  warnings: PolicyIssue[];
}

/** Options of {@link loadCompiledPolicy}. */
export interface LoadCompiledOptions {
  /**
   * The policy text the file should have been compiled from. When given, a file compiled from any other
   * text is refused (`compiled_mismatch`): pass it whenever the text ships with the file.
   */
  source?: string;
}

/**
 * Loads a policy from its text (as `loadPolicy` does) and writes it as a precompiled policy file. Never
 * throws: the problems come back as `loadPolicy` reports them.
 *
 * @example
 * const { compiled, errors } = precompilePolicy(readFileSync("policy.yaml", "utf8"));
 * if (compiled) writeFileSync("policy.tgc", compiled);
 */
export function precompilePolicy(source: string): PrecompileResult {
  const { policy, errors, warnings } = loadPolicy(source);
  if (!policy) return { errors, warnings };
  const { program, reads, ...rest } = policy;
  const header: Header = {
    engine: ENGINE_SHA256,
    layout: COMPILED_LAYOUT_VERSION,
    source: sha256Hex(source),
    packs: packsSha256(),
    programBytes: program.length,
    policy: { ...rest, reads: [...reads] },
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const body = PREFIX_BYTES + json.length + program.length;
  const out = new Uint8Array(body + DIGEST_BYTES);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, COMPILED_FORMAT_VERSION, true);
  view.setUint32(8, json.length, true);
  out.set(json, PREFIX_BYTES);
  out.set(program, PREFIX_BYTES + json.length);
  out.set(sha256Bytes(out.subarray(0, body)), body);
  return { compiled: out, errors, warnings };
}

/**
 * Reads a precompiled policy (see {@link precompilePolicy}) into a policy `createGuard` accepts. Throws
 * {@link CompiledPolicyError}: `compiled_corrupt` (not a compiled policy, truncated, altered, or a part
 * that does not hold together), `compiled_version` (written for another engine or in another format:
 * compile the policy again), `compiled_mismatch` (`options.source` is not the text it was compiled from).
 *
 * @example
 * const policy = loadCompiledPolicy(readFileSync("policy.tgc"), { source: readFileSync("policy.yaml", "utf8") });
 * const guard = await createGuard({ policy });
 */
export function loadCompiledPolicy(bytes: Uint8Array, options: LoadCompiledOptions = {}): CompiledPolicy {
  if (!(bytes instanceof Uint8Array)) throw corrupt("expected the file's bytes (a Uint8Array)");
  if (bytes.length < PREFIX_BYTES + DIGEST_BYTES) throw corrupt(`${bytes.length} bytes is too short for a compiled policy`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw corrupt("not a compiled trailguard policy (no `TGCP` at its start)");
  const version = view.getUint32(4, true);
  if (version !== COMPILED_FORMAT_VERSION) {
    throw new CompiledPolicyError("compiled_version", `the file is in compiled format ${version}; this trailguard reads format ${COMPILED_FORMAT_VERSION}: compile the policy again`);
  }
  const body = bytes.length - DIGEST_BYTES;
  const digest = sha256Bytes(bytes.subarray(0, body));
  for (let i = 0; i < DIGEST_BYTES; i++) {
    if (digest[i] !== bytes[body + i]) throw corrupt("its SHA-256 does not match its content: the file was altered or truncated");
  }
  const headerBytes = view.getUint32(8, true);
  if (PREFIX_BYTES + headerBytes > body) throw corrupt("its header runs past its end");
  let header: Partial<Header>;
  try {
    header = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(PREFIX_BYTES, PREFIX_BYTES + headerBytes))) as Partial<Header>;
  } catch (e) {
    throw corrupt(`its header is not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (typeof header !== "object" || header === null) throw corrupt("its header is not a JSON object");
  if (header.engine !== ENGINE_SHA256 || header.layout !== COMPILED_LAYOUT_VERSION) {
    throw new CompiledPolicyError(
      "compiled_version",
      `the file was compiled for engine \`${String(header.engine).slice(0, 12)}…\` (layout ${String(header.layout)}); this trailguard runs engine \`${ENGINE_SHA256.slice(0, 12)}…\` (layout ${COMPILED_LAYOUT_VERSION}): compile the policy again`,
    );
  }
  if (header.packs !== packsSha256()) {
    throw new CompiledPolicyError("compiled_version", "the file was compiled with other built-in packs (`essential`, `heuristics`) than this trailguard's: compile the policy again");
  }
  if (header.programBytes !== body - PREFIX_BYTES - headerBytes) throw corrupt("its program length does not match its size");
  if (typeof header.source !== "string" || !/^[0-9a-f]{64}$/.test(header.source)) throw corrupt("its source hash is not a SHA-256");
  if (options.source !== undefined && sha256Hex(options.source) !== header.source) {
    throw new CompiledPolicyError("compiled_mismatch", "the file was compiled from another policy text than the one given: compile the policy again");
  }
  // A copy, and a plain Uint8Array: the caller may reuse its buffer, and a Node Buffer's `slice` would
  // share it.
  const program = new Uint8Array(bytes.subarray(PREFIX_BYTES + headerBytes, body));
  const info = readHostInfo(header.policy);
  if (typeof info === "string") throw corrupt(`its policy part is malformed: ${info}`);
  const disagreement = checkProgramAgrees(program, info);
  if (disagreement) throw corrupt(`its program does not match its policy part: ${disagreement}`);
  // Which fields the host canonicalises (and whether it splits a shell line or SQL batch into parts)
  // follows from the slots, as the compiler derives it: a list that says otherwise would let a part
  // go unsplit and its rules unread.
  const { reads, ...rest } = info;
  const derived = new Set(info.slots.map((p) => String(p[0])));
  if (reads.length !== derived.size || !reads.every((f) => derived.has(f))) throw corrupt("its list of the fields it reads does not match its slots");
  return { ...rest, program, reads: derived };
}

function corrupt(why: string): CompiledPolicyError {
  return new CompiledPolicyError("compiled_corrupt", `corrupt compiled policy: ${why}`);
}
